// The softmax backward references (reference/backward_reference.hpp): hand-computed values
// (exact ties, cancellation, huge dy on tiny y, subnormal and overflowing results, signed
// zeros), the special-value table, the exact cases of log_softmax_backward, independence of
// the working-precision schedule, and an independent oracle: Boost.Multiprecision's
// cpp_bin_float at 1536 bits (no MPFR), with the products summed in the reverse order, the
// output as y_i dy_i - y_i s (softmax_backward) and this file's own rounding to the format,
// compared bit for bit over thousands of random and adversarial rows in every format.
#include <algorithm>
#include <bit>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "core/format.hpp"
#include "reference/backward_reference.hpp"
#include "reference/reference.hpp"
#include "test_seed.hpp"
#include "test_values.hpp"

using namespace softcheck;
using reference::Exact;
using reference::log_softmax_backward_row;
using reference::softmax_backward_row;

using softcheck::test::kInf;
using softcheck::test::kNaN;
using softcheck::test::same_bits;

namespace {

// A non-finite or exactly representable result: rounded and exact_hi carry v, exact_lo is 0.
bool holds_exactly(const Exact& e, double v) {
  return same_bits(e.rounded, v) && same_bits(e.exact_hi, v) && e.exact_lo == 0.0;
}

std::vector<double> rounded(const std::vector<Exact>& row) {
  std::vector<double> out;
  for (const Exact& e : row) out.push_back(e.rounded);
  return out;
}

bool same_row(const std::vector<double>& got, const std::vector<double>& want) {
  if (got.size() != want.size()) return false;
  for (std::size_t i = 0; i < got.size(); ++i)
    if (!same_bits(got[i], want[i])) return false;
  return true;
}

}  // namespace

TEST_CASE("softmax_backward: exact rows in every format") {
  for (Format f : kAllFormats) {
    // s = 0.5 + 0.5 + 0.75 = 1.75.
    const auto row = softmax_backward_row(std::vector{0.5, 0.25, 0.25}, std::vector{1.0, 2.0, 3.0}, f);
    REQUIRE(row.size() == 3);
    CHECK(holds_exactly(row[0], -0.375));
    CHECK(holds_exactly(row[1], 0.0625));
    CHECK(holds_exactly(row[2], 0.3125));
  }
  CHECK(softmax_backward_row(std::vector<double>{}, std::vector<double>{}, Format::f32).empty());
  CHECK(log_softmax_backward_row(std::vector<double>{}, std::vector<double>{}, Format::f32).empty());
}

TEST_CASE("softmax_backward: ties round to even, signed zero of 0 * negative") {
  // y = (3/4, 0), dy = (254, 0): s = 190.5, out_0 = 0.75 * 63.5 = 47.625 = 762/16. In bf16
  // (8 bits) 762 = 1011111010b lies halfway between 760 and 764: to even, 760/16 = 47.5. f16
  // (11 bits) holds it. out_1 = +0 * (0 - 190.5) = -0.
  const std::vector<double> y{0.75, 0.0};
  const auto bf16 = softmax_backward_row(y, std::vector{254.0, 0.0}, Format::bf16);
  CHECK(bf16[0].rounded == 47.5);
  CHECK(bf16[0].exact_hi == 47.625);
  CHECK(holds_exactly(bf16[1], -0.0));
  CHECK(holds_exactly(softmax_backward_row(y, std::vector{254.0, 0.0}, Format::f16)[0], 47.625));
  // dy_0 = 250: out_0 = 750/16, 750 = 1011101110b halfway between 748 and 752: to even 752.
  CHECK(softmax_backward_row(y, std::vector{250.0, 0.0}, Format::bf16)[0].rounded == 47.0);
}

TEST_CASE("softmax_backward: cancellation when dy is nearly constant") {
  // dy = 1 except 1 + 2^-23 at the end: s = 1 + 2^-25, dy_i - s = -2^-25 or 3 * 2^-25.
  const std::vector<double> y{0.25, 0.25, 0.25, 0.25};
  const std::vector<double> dy{1.0, 1.0, 1.0, 1.0 + 0x1p-23};
  for (Format f : {Format::f64, Format::f32}) {
    const auto row = softmax_backward_row(y, dy, f);
    CHECK(holds_exactly(row[0], -0x1p-27));
    CHECK(holds_exactly(row[2], -0x1p-27));
    CHECK(holds_exactly(row[3], 0x3p-27));
  }
}

TEST_CASE("softmax_backward: huge dy on tiny y, subnormal and underflowing results") {
  // y_0 = 2^-126, dy_0 = 2^100: s = 2^-26, out_0 = 2^-26 - 2^-152 (f32: 2^-26; exact value
  // kept as the double-double 2^-26 - 2^-152), out_1 = -2^-26.
  auto row = softmax_backward_row(std::vector{0x1p-126, 1.0}, std::vector{0x1p100, 0.0}, Format::f32);
  CHECK(row[0].rounded == 0x1p-26);
  CHECK(row[0].exact_hi == 0x1p-26);
  CHECK(row[0].exact_lo == -0x1p-152);
  CHECK(holds_exactly(row[1], -0x1p-26));
  // s = 2^-146: out_0 = 2^-146 - 2^-272 (f32 subnormal 2^-146), out_1 = -2^-147 (subnormal).
  row = softmax_backward_row(std::vector{0x1p-126, 0.5}, std::vector{0x1p-20, 0.0}, Format::f32);
  CHECK(row[0].rounded == 0x1p-146);
  CHECK(holds_exactly(row[1], -0x1p-147));
  // out_1 = 2^-126 * (0 - 2^-156) = -2^-282: -0 in f32, exact in f64.
  const std::vector<double> y{0x1p-126, 0x1p-126}, dy{0x1p-30, 0.0};
  row = softmax_backward_row(y, dy, Format::f32);
  CHECK(same_bits(row[1].rounded, -0.0));
  CHECK(row[1].exact_hi == -0x1p-282);
  CHECK(holds_exactly(softmax_backward_row(y, dy, Format::f64)[1], -0x1p-282));
}

TEST_CASE("softmax_backward: overflow to infinity in every format") {
  // y = (2, 1), dy = (M, -M), M the largest finite: s = M, out = (2 (M - M), -2M) = (+0, -inf).
  for (Format f : kAllFormats) {
    const double m = max_finite(f);
    const auto row = softmax_backward_row(std::vector{2.0, 1.0}, std::vector{m, -m}, f);
    CHECK(holds_exactly(row[0], 0.0));
    CHECK(row[1].rounded == -kInf);
  }
}

TEST_CASE("softmax_backward: signed zeros") {
  auto zeros = [](std::vector<double> y, std::vector<double> dy) {
    return rounded(softmax_backward_row(y, dy, Format::f32));
  };
  // Products +0 and -0: s = +0; out = (0.5 * +0, -0 * +0) = (+0, -0).
  CHECK(same_row(zeros({0.5, -0.0}, {0.0, 0.0}), {0.0, -0.0}));
  // The only product is -0: s = -0, d = 0 - (-0) = +0, out = -0 * +0 = -0.
  CHECK(same_row(zeros({-0.0}, {0.0}), {-0.0}));
  // s = -0 (0.5 * -0), d = -0 - (-0) = +0: +0.
  CHECK(same_row(zeros({0.5}, {-0.0}), {0.0}));
  // s = +0 (-0.5 * -0), d = -0 - (+0) = -0, out = -0.5 * -0 = +0.
  CHECK(same_row(zeros({-0.5}, {-0.0}), {0.0}));
  // Nonzero products cancelling: s = +0, d_1 = -0 - 0 = -0, out_1 = 0.5 * -0 = -0.
  CHECK(same_row(zeros({1.0, 0.5, 1.0}, {1.0, -0.0, -1.0}), {1.0, -0.0, -1.0}));
}

TEST_CASE("softmax_backward: special values") {
  auto out = [](std::vector<double> y, std::vector<double> dy) {
    return rounded(softmax_backward_row(y, dy, Format::bf16));
  };
  CHECK(same_row(out({kNaN, 0.5}, {1.0, 1.0}), {kNaN, kNaN}));     // NaN anywhere: row NaN
  CHECK(same_row(out({0.5, 0.5}, {1.0, kNaN}), {kNaN, kNaN}));
  CHECK(same_row(out({kInf, 0.5}, {1.0, 1.0}), {-kInf, -kInf}));   // s = inf: 1 - inf
  CHECK(same_row(out({kInf, 0.0}, {0.0, 1.0}), {kNaN, kNaN}));     // inf * 0 in s
  CHECK(same_row(out({kInf, kInf}, {1.0, -1.0}), {kNaN, kNaN}));   // inf - inf in s
  CHECK(same_row(out({0.5, 0.0}, {kInf, 1.0}), {kNaN, kNaN}));     // inf - inf; 0 * -inf
  CHECK(same_row(out({0.5, 0.5}, {-kInf, 1.0}), {kNaN, kInf}));    // s = -inf
  CHECK(same_row(out({-0.5, 0.5}, {kInf, 1.0}), {-kInf, kInf}));   // s = -inf: -0.5 * (+inf)
}

TEST_CASE("log_softmax_backward: exact cases and special values") {
  auto out = [](std::vector<double> y, std::vector<double> dy, Format f = Format::f32) {
    return rounded(log_softmax_backward_row(y, dy, f));
  };
  // y = 0: e = 1, dy_i - S.
  CHECK(same_row(out({0.0, 0.0}, {1.0, 2.0}), {-2.0, -1.0}));
  // S = 0: out = dy whatever y is.
  CHECK(same_row(out({-0.3, -1.7, -2.5}, {1.0, -1.5, 0.5}), {1.0, -1.5, 0.5}));
  // y = -inf: e = 0, out = dy.
  CHECK(same_row(out({-kInf, 0.0}, {1.0, 2.0}), {1.0, -1.0}));
  // Signed zeros: S = -0 (every dy is -0), p = e * S = -0, out = -0 - (-0) = +0; with S = 1,
  // the masked position gets -0 - (+0) = -0.
  CHECK(same_row(out({-kInf, -1.0}, {-0.0, -0.0}), {0.0, 0.0}));
  CHECK(same_row(out({-kInf, 0.0}, {-0.0, 1.0}), {-0.0, 0.0}));
  // Specials.
  CHECK(same_row(out({-1.0, -1.0}, {kNaN, 1.0}), {kNaN, kNaN}));     // NaN in dy: row NaN
  CHECK(same_row(out({kNaN, 0.0}, {1.0, 2.0}), {kNaN, -1.0}));       // NaN in y: element
  CHECK(same_row(out({-1.0, -1.0}, {kInf, -kInf}), {kNaN, kNaN}));   // S = NaN
  CHECK(same_row(out({-1.0, -kInf}, {kInf, 1.0}), {kNaN, kNaN}));    // inf - inf; 0 * inf
  CHECK(same_row(out({0.0, -1.0}, {1.0, -kInf}), {kInf, kNaN}));     // S = -inf
  CHECK(same_row(out({kInf, -1.0}, {1.0, -1.0}), {kNaN, -1.0}));     // inf * 0; S = 0
  CHECK(same_row(out({kInf, 0.0}, {1.0, 2.0}), {-kInf, -1.0}));      // e = inf, S = 3
  // S infinite: e_i as the accumulation format rounds it; 0 * inf = NaN where exp(y_i)
  // underflows there (f32: y_i < -150 ln 2 = -103.97...; f64: y_i < -1075 ln 2 = -745.13...).
  CHECK(same_row(out({-103.0, -105.0, 0.0}, {1.0, 1.0, kInf}), {-kInf, kNaN, kNaN}));
  CHECK(same_row(out({-103.0, -105.0, 0.0}, {1.0, 1.0, kInf}, Format::bf16), {-kInf, kNaN, kNaN}));
  CHECK(same_row(out({-740.0, -105.0, -750.0}, {1.0, 1.0, -kInf}, Format::f64), {kInf, kInf, kNaN}));
  // exp beyond MPFR's exponent range on either side: out_0 = 1 - 2 e^(10^9): -inf in every
  // format; out_1 = 1 - 2 e^(-10^9): just below 1, rounds to 1.
  for (Format f : kAllFormats) {
    const auto row = log_softmax_backward_row(std::vector{1e9, -1e9}, std::vector{1.0, 1.0}, f);
    CHECK(row[0].rounded == -kInf);
    CHECK(row[1].rounded == 1.0);
    CHECK(row[1].exact_hi == 1.0);
  }
  // e^800 overflows double but not MPFR: 1 + e^800 is +inf in f64, out_1 = -2 + e^-1.
  const auto row = log_softmax_backward_row(std::vector{800.0, -1.0}, std::vector{1.0, -2.0}, Format::f64);
  CHECK(row[0].rounded == kInf);
  CHECK(row[1].rounded == -0x1.a1d2a7274c432p+0);  // -2 + e^-1, mpmath at 300 bits
}

TEST_CASE("backward references: argument checks and schedule independence") {
  const std::vector<double> y{-0.5, -1.25, -3.0}, dy{0.75, -2.0, 1.5}, one{1.0};
  CHECK_THROWS_AS(softmax_backward_row(y, one, Format::f32), std::invalid_argument);
  CHECK_THROWS_AS(log_softmax_backward_row(y, one, Format::f32), std::invalid_argument);
  reference::ReferenceOptions bad;
  bad.initial_precision = 1;
  CHECK_THROWS_AS(log_softmax_backward_row(y, dy, Format::f32, bad), std::invalid_argument);
  CHECK_THROWS_AS(softmax_backward_row(y, dy, Format::f32, bad), std::invalid_argument);
  for (Format f : kAllFormats) {
    const auto want = rounded(log_softmax_backward_row(y, dy, f));
    for (int first : {16, 60, 300}) {
      reference::ReferenceOptions options;
      options.initial_precision = first;
      CHECK(same_row(rounded(log_softmax_backward_row(y, dy, f, options)), want));
    }
  }
}

// ---- the independent oracle -------------------------------------------------------------

namespace {

namespace mp = boost::multiprecision;
// 1536 bits: every sum of products of f32/bf16/f16 values (bit positions 2^-298 .. 2^256)
// and of the f64 rows below (their products' bits span under 1400 positions) is exact; exp
// is good to ~1500 bits.
using Big = mp::number<mp::cpp_bin_float<1536, mp::digit_base_2, void, std::int32_t, -20000, 20000>,
                       mp::et_off>;

// `v` rounded to the nearest value of f, ties to even, with subnormals and overflow (this
// file's own rounding: integer part and fraction of v scaled to the format's spacing).
double oracle_round(const Big& v, Format f) {
  if (v == 0) return 0.0;
  const double sign = v < 0 ? -1.0 : 1.0;
  const FormatTraits t = traits(f);
  int e = 0;
  (void)mp::frexp(mp::abs(v), &e);  // |v| = m 2^e, 1/2 <= m < 1
  const int binade = e - 1;
  if (binade > t.max_exponent) return sign * kInf;
  const int quantum = std::max(binade, t.min_exponent) - (t.precision - 1);
  const Big scaled = mp::ldexp(mp::abs(v), -quantum);
  const Big whole = mp::floor(scaled);
  const Big fraction = scaled - whole;
  double units = static_cast<double>(whole);  // < 2^precision: exact
  if (fraction > Big(0.5) || (fraction == Big(0.5) && std::fmod(units, 2.0) == 1.0)) units += 1;
  const double magnitude = std::ldexp(units, quantum);
  if (magnitude > max_finite(f)) return sign * kInf;
  return sign * magnitude;
}

// The rounding of an inexact oracle value v (relative error below 2^-1400), or NaN when
// that error could change it.
double oracle_round_inexact(const Big& v, Format f) {
  const Big slack = mp::abs(v) * mp::ldexp(Big(1), -1400);
  const double lo = oracle_round(v - slack, f), hi = oracle_round(v + slack, f);
  return same_bits(lo, hi) ? lo : kNaN;
}

std::vector<Big> oracle_softmax_backward(const std::vector<double>& y, const std::vector<double>& dy) {
  Big s = 0;
  for (std::size_t j = y.size(); j-- > 0;) s += Big(y[j]) * Big(dy[j]);  // reverse order
  std::vector<Big> out;
  for (std::size_t i = 0; i < y.size(); ++i) out.push_back(Big(y[i]) * Big(dy[i]) - Big(y[i]) * s);
  return out;
}

// Values of dy_i - e^(y_i) S, and whether each is exact (y_i = 0 or S = 0: rational, possibly a
// tie of the format; the others are irrational and within 2^-1400 relative).
struct OracleValues {
  std::vector<Big> value;
  std::vector<bool> exact;
};

OracleValues oracle_log_softmax_backward(const std::vector<double>& y, const std::vector<double>& dy) {
  Big sum = 0;
  for (std::size_t j = dy.size(); j-- > 0;) sum += Big(dy[j]);
  OracleValues out;
  for (std::size_t i = 0; i < y.size(); ++i) {
    out.value.push_back(Big(dy[i]) - mp::exp(Big(y[i])) * sum);
    out.exact.push_back(y[i] == 0.0 || sum == 0);
  }
  return out;
}

// Compares a reference row with the oracle's values; ties of signed zeros are not the
// oracle's business (checked by hand above), so -0 and +0 compare equal here.
int mismatches(const std::vector<Exact>& got, const std::vector<Big>& want, Format f,
               const std::vector<bool>& exactness, bool fast_path) {
  int bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const bool exact = exactness[i];
    const double r = exact ? oracle_round(want[i], f) : oracle_round_inexact(want[i], f);
    const double h = exact ? oracle_round(want[i], Format::f64) : oracle_round_inexact(want[i], Format::f64);
    const bool ok = (got[i].rounded == r || same_bits(got[i].rounded, r)) &&
                    (got[i].exact_hi == h || same_bits(got[i].exact_hi, h));
    // The double-double exact value: within 2^-100 relative (or 2^-1074 absolute) when
    // computed exactly; from an enclosure (Decider::remainder: its midpoint) within 2^-90,
    // as the enclosure of a cancelling dy_i - e^(y_i) S is wider relative to the result; from
    // the double-double fast path (fast_backward.cpp) within its bound, at most 2^-80.
    const Big dd = Big(got[i].exact_hi) + Big(got[i].exact_lo);
    const int bits = fast_path ? 80 : exact ? 100 : 90;
    const bool close = !std::isfinite(h) ||
                       mp::abs(dd - want[i]) <= mp::abs(want[i]) * mp::ldexp(Big(1), -bits) + Big(0x1p-1074);
    if (!ok || !close) {
      if (bad < 5) UNSCOPED_INFO("element " << i << ": got " << got[i].rounded << " want " << r);
      ++bad;
    }
  }
  return bad;
}

double on_grid(double x, Format f) { return round_to_format(x, f); }

// A row of probabilities (a softmax of random logits, rounded to the format), with some
// entries zero or tiny.
std::vector<double> random_probabilities(std::mt19937_64& rng, std::size_t n, Format f, double spread) {
  std::normal_distribution<double> normal(0.0, spread);
  std::vector<double> x(n);
  for (double& v : x) v = normal(rng);
  const double m = *std::max_element(x.begin(), x.end());
  double z = 0;
  for (double v : x) z += std::exp(v - m);
  std::vector<double> y(n);
  for (std::size_t i = 0; i < n; ++i) y[i] = on_grid(std::exp(x[i] - m) / z, f);
  return y;
}

// dy of one of several shapes: random normal, nearly constant (cancellation in dy - s),
// huge values, mixed magnitudes, small integers (ties in the narrow formats).
std::vector<double> random_gradient(std::mt19937_64& rng, std::size_t n, Format f, int shape) {
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_int_distribution<int> small(-8, 8), power(-60, 60);
  std::vector<double> dy(n);
  const double c = on_grid(1.0 + normal(rng), f);
  for (double& v : dy) {
    switch (shape) {
      case 0: v = normal(rng); break;
      case 1: v = c + (rng() % 4 == 0 ? normal(rng) * 0x1p-20 * std::fabs(c) : 0.0); break;
      case 2: v = normal(rng) * std::ldexp(1.0, traits(f).max_exponent - 4); break;
      case 3: v = normal(rng) * std::ldexp(1.0, power(rng)); break;
      default: v = small(rng); break;
    }
    v = on_grid(std::clamp(v, -max_finite(f), max_finite(f)), f);  // finite: no special values
  }
  return dy;
}

}  // namespace

TEST_CASE("backward references agree with a 1536-bit oracle on random and adversarial rows") {
  std::mt19937_64 rng(softcheck::testing::seed() + 17);
  const int rows = softcheck::testing::scaled(400);
  int softmax_bad = 0, log_bad = 0, log_undecided = 0, elements = 0;
  for (int r = 0; r < rows; ++r) {
    const Format f = kAllFormats[r % 4];
    const std::size_t n = 1 + rng() % 24;
    const int shape = r / 4 % 5;
    auto y = random_probabilities(rng, n, f, 1.0 + r % 7);
    if (shape == 4) for (double& v : y) v = on_grid(std::ldexp(static_cast<double>(rng() % 9), -3), f);
    if (shape == 3 && f != Format::f64) y[0] = denorm_min(f) * (1 + rng() % 5);  // tiny y, huge dy/y
    const auto dy = random_gradient(rng, n, f, shape);
    const auto softmax_want = oracle_softmax_backward(y, dy);
    for (bool fast : {false, true}) {  // MPFR only, and the fast path first
      reference::ReferenceOptions options;
      options.fast_path = fast;
      softmax_bad += mismatches(softmax_backward_row(y, dy, f, options), softmax_want, f,
                                std::vector<bool>(n, true), fast);
    }

    // log_softmax_backward on log-probabilities (and some y = 0, exact).
    std::vector<double> ly(n);
    for (std::size_t i = 0; i < n; ++i) ly[i] = y[i] > 0 ? on_grid(std::log(y[i]), f) : -30.0;
    if (shape == 4) ly[0] = 0.0;
    const auto want = oracle_log_softmax_backward(ly, dy);
    for (std::size_t i = 0; i < n; ++i)
      if (!want.exact[i] && std::isnan(oracle_round_inexact(want.value[i], f))) ++log_undecided;
    for (bool fast : {false, true}) {
      reference::ReferenceOptions options;
      options.fast_path = fast;
      log_bad += mismatches(log_softmax_backward_row(ly, dy, f, options), want.value, f,
                            want.exact, fast);
    }
    elements += static_cast<int>(n);
  }
  INFO(elements << " elements per op");
  CHECK(softmax_bad == 0);
  CHECK(log_undecided == 0);
  CHECK(log_bad == 0);
}

TEST_CASE("backward references: a 65536-element row in well under a second per op") {
  std::mt19937_64 rng(softcheck::testing::seed() + 5);
  const std::size_t n = 65536;
  for (Format f : {Format::f32, Format::bf16}) {
    auto y = random_probabilities(rng, n, f, 3.0);
    y[0] = denorm_min(f);  // a wide exponent span in s
    const auto dy = random_gradient(rng, n, f, 0);
    std::vector<double> ly(n);
    for (std::size_t i = 0; i < n; ++i) ly[i] = y[i] > 0 ? on_grid(std::log(y[i]), f) : -kInf;
    const auto start = std::chrono::steady_clock::now();
    const auto a = softmax_backward_row(y, dy, f);
    const auto middle = std::chrono::steady_clock::now();
    const auto b = log_softmax_backward_row(ly, dy, f);
    const auto end = std::chrono::steady_clock::now();
    const double t_softmax = std::chrono::duration<double>(middle - start).count();
    const double t_log = std::chrono::duration<double>(end - middle).count();
    WARN(name(f) << ": softmax_backward " << t_softmax << " s, log_softmax_backward " << t_log << " s");
    CHECK(a.size() == n);
    CHECK(b.size() == n);
    CHECK(t_softmax < 5.0);  // generous: a loaded CI machine; typical times are printed
    CHECK(t_log < 5.0);
  }
}
