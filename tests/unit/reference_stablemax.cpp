// The StableMax references (stablemax_reference.hpp), each property computed two ways: against
// a plain 3000-bit evaluation of the textbook formulas (no intervals, no Ziv loop), against
// closed forms (equal logits: exactly 1/n; n = 2), against each other (two working-precision
// schedules; StCE = log S - log s(x_y) = -log_stablemax_y), and on the special-value table.
#include <mpfr.h>

#include <bit>
#include <boost/multiprecision/mpfr.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "core/format.hpp"
#include "reference/mpfr_rounding.hpp"
#include "reference/stablemax_reference.hpp"
#include "test_seed.hpp"
#include "random_logit.hpp"
#include "test_values.hpp"

using namespace softcheck;
using boost::multiprecision::mpfr_float;
using reference::evaluate_stablemax_row;
using reference::Exact;
using reference::StableMaxReference;

using softcheck::test::kInf;
using softcheck::test::kNaN;
using softcheck::test::same_bits;

namespace {

using softcheck::testing::random_logit;

constexpr long kStableMaxOracleBits = 3000;
constexpr unsigned kOracleDigits = 904;  // decimal digits of kStableMaxOracleBits

bool all_nan(const std::vector<Exact>& values) {
  for (const Exact& e : values)
    if (!std::isnan(e.rounded) || !std::isnan(e.exact_hi) || e.exact_lo != 0.0) return false;
  return true;
}

// The plain evaluation: every quantity in round-to-nearest at kStableMaxOracleBits, rounded once.
class Oracle {
 public:
  Oracle() {
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    mpfr_float::default_precision(kOracleDigits);  // temporaries of expressions too
  }

  mpfr_float var() const {
    mpfr_float v;
    mpfr_set_prec(v.backend().data(), kStableMaxOracleBits);
    return v;
  }
  mpfr_float of(double x) const {
    mpfr_float v = var();
    mpfr_set_d(v.backend().data(), x, MPFR_RNDN);
    return v;
  }
  mpfr_float s(double x) const { return x >= 0 ? mpfr_float(of(x) + 1) : mpfr_float(1 / (1 - of(x))); }
  mpfr_float s_prime(double x) const {
    if (x >= 0) return of(1.0);
    const mpfr_float t = 1 - of(x);
    return mpfr_float(1 / (t * t));
  }

  // Rows of finite values.
  StableMaxReference evaluate(const std::vector<double>& x, Format f, std::size_t y) const {
    mpfr_float total = of(0.0);
    for (double v : x) total += s(v);
    const auto rounded = [f](const mpfr_float& v) {
      const double r = reference::round_to_format(v, f);
      return Exact{r, r, 0.0};
    };
    StableMaxReference out;
    for (std::size_t i = 0; i < x.size(); ++i) {
      out.stablemax.push_back(rounded(mpfr_float(s(x[i]) / total)));
      out.log_stablemax.push_back(rounded(mpfr_float(log(s(x[i])) - log(total))));
      mpfr_float g = s_prime(x[i]) / total;
      if (i == y) g -= s_prime(x[i]) / s(x[i]);
      out.gradient.push_back(rounded(g));
    }
    out.loss = rounded(mpfr_float(log(total) - log(s(x[y]))));
    return out;
  }
};

// Every output's rounded value, in a fixed order.
std::vector<double> flatten(const StableMaxReference& r) {
  std::vector<double> all;
  for (const auto* v : {&r.stablemax, &r.log_stablemax, &r.gradient})
    for (const Exact& e : *v) all.push_back(e.rounded);
  all.push_back(r.loss.rounded);
  return all;
}

std::vector<double> random_row(std::mt19937_64& rng, Format f) {
  const int n = 1 + static_cast<int>(rng() % 12);
  const int hi = f == Format::f16 ? 14 : f == Format::f64 ? 1000 : 120;
  const int scale = static_cast<int>(rng() % 4);  // typical, wide, huge, tiny logits
  const int lo = scale == 3 ? -20 : -4;
  const int top = scale == 0 ? 5 : scale == 1 ? 40 : scale == 2 ? hi : 0;
  std::vector<double> x(n);
  for (double& v : x) v = random_logit(rng, f, lo, std::min(top, hi));
  return x;
}

}  // namespace

TEST_CASE("StableMax special-value table") {
  for (Format f : kAllFormats) {
    INFO("format " << name(f));
    SECTION("empty row") {
      const StableMaxReference r = evaluate_stablemax_row({}, f, 0);
      CHECK(r.stablemax.empty());
      CHECK(r.log_stablemax.empty());
      CHECK(r.gradient.empty());
      CHECK(std::isnan(r.loss.rounded));
    }
    SECTION("a NaN, a +inf (inf / inf) or every entry masked (0 / 0): all NaN") {
      for (const std::vector<double>& x :
           {std::vector<double>{1.0, kNaN, 2.0}, std::vector<double>{1.0, kInf, -kInf},
            std::vector<double>{kInf, kInf}, std::vector<double>{-kInf, -kInf, -kInf}}) {
        const StableMaxReference r = evaluate_stablemax_row(x, f, 1);
        CHECK(all_nan(r.stablemax));
        CHECK(all_nan(r.log_stablemax));
        CHECK(all_nan(r.gradient));
        CHECK(std::isnan(r.loss.rounded));
      }
    }
    SECTION("masked entries: stablemax +0, log -inf, gradient +0; masked target: loss +inf") {
      const std::vector<double> x = {1.0, -kInf, 0.0, -kInf};
      const StableMaxReference r = evaluate_stablemax_row(x, f, 3);
      for (std::size_t i : {1u, 3u}) {
        CHECK(same_bits(r.stablemax[i].rounded, 0.0));
        CHECK(same_bits(r.log_stablemax[i].rounded, -kInf));
        CHECK(same_bits(r.gradient[i].rounded, 0.0));
      }
      CHECK(same_bits(r.loss.rounded, kInf));
      // The rest is the row without its masked entries: s = 2, 1; S = 3.
      CHECK(r.stablemax[0].rounded == round_to_format(2.0 / 3.0, f));
      CHECK(r.gradient[2].rounded == round_to_format(1.0 / 3.0, f));  // 1 / S
    }
    SECTION("one finite entry: stablemax 1, log_stablemax, loss and gradient exactly +0") {
      const StableMaxReference r = evaluate_stablemax_row(std::vector<double>{-kInf, -3.0}, f, 1);
      CHECK(same_bits(r.stablemax[1].rounded, 1.0));
      CHECK(same_bits(r.log_stablemax[1].rounded, 0.0));
      CHECK(same_bits(r.loss.rounded, 0.0));
      CHECK(same_bits(r.gradient[1].rounded, 0.0));  // s'/S - s'/s = 0
    }
  }
}

TEST_CASE("equal logits give exactly 1/n, rounded; log_stablemax -log n") {
  for (Format f : kAllFormats) {
    for (double v : {0.0, -0.0, 1.0, -1.0, -7.5, 3.0, 60000.0, -60000.0}) {
      for (std::size_t n = 1; n <= 33; ++n) {
        INFO(name(f) << " logit " << v << " n " << n);
        const std::vector<double> x(n, round_to_format(v, f));
        const StableMaxReference r = evaluate_stablemax_row(x, f, 0);
        const Oracle oracle;
        mpfr_float one_over_n = oracle.of(1.0);
        one_over_n /= static_cast<unsigned>(n);
        const double expected = reference::round_to_format(one_over_n, f);
        for (const Exact& e : r.stablemax) CHECK(same_bits(e.rounded, expected));
        const double log_n = reference::round_to_format(mpfr_float(log(mpfr_float(n))), f);
        CHECK(same_bits(r.log_stablemax[n - 1].rounded, n == 1 ? 0.0 : -log_n));
        CHECK(same_bits(r.loss.rounded, n == 1 ? 0.0 : log_n));
      }
    }
  }
}

TEST_CASE("n = 2: stablemax_0 = s(a) / (s(a) + s(b)), from the closed form") {
  std::mt19937_64 rng(testing::seed());
  for (int trial = 0; trial < testing::scaled(300); ++trial) {
    const Format f = kAllFormats[trial % 4];
    const double a = random_logit(rng, f, -6, 8), b = random_logit(rng, f, -6, 8);
    INFO(name(f) << " a " << a << " b " << b);
    const StableMaxReference r = evaluate_stablemax_row(std::vector<double>{a, b}, f, 0);
    const Oracle oracle;
    const mpfr_float sa = oracle.s(a), sb = oracle.s(b);
    CHECK(same_bits(r.stablemax[0].rounded,
                    reference::round_to_format(mpfr_float(sa / (sa + sb)), f)));
    // log-StableMax as log1p of the other's share: -log1p(s(b) / s(a)).
    CHECK(same_bits(r.log_stablemax[0].rounded,
                    reference::round_to_format(mpfr_float(-log(mpfr_float(1 + sb / sa))), f)));
  }
}

TEST_CASE("StableMax references match a plain 3000-bit evaluation") {
  std::mt19937_64 rng(testing::seed() + 1);
  const Oracle oracle;
  for (int trial = 0; trial < testing::scaled(400); ++trial) {
    const Format f = kAllFormats[trial % 4];
    const std::vector<double> x = random_row(rng, f);
    const std::size_t y = rng() % x.size();
    INFO(name(f) << " n " << x.size() << " target " << y << " x0 " << x[0]);
    const auto got = flatten(evaluate_stablemax_row(x, f, y));
    const auto want = flatten(oracle.evaluate(x, f, y));
    for (std::size_t i = 0; i < got.size(); ++i) {
      INFO("output " << i);
      CHECK(same_bits(got[i] + 0.0, want[i] + 0.0));  // the oracle's exact zeros may be -0
    }
  }
}

TEST_CASE("StCE = log S - log s(x_y) = -log_stablemax_y; results do not depend on the schedule") {
  std::mt19937_64 rng(testing::seed() + 2);
  for (int trial = 0; trial < testing::scaled(200); ++trial) {
    const Format f = kAllFormats[trial % 4];
    const std::vector<double> x = random_row(rng, f);
    const std::size_t y = rng() % x.size();
    const StableMaxReference r = evaluate_stablemax_row(x, f, y);
    INFO(name(f) << " n " << x.size() << " target " << y);
    CHECK(same_bits(r.loss.rounded, -r.log_stablemax[y].rounded + 0.0));
    const auto by_default = flatten(r);
    const auto wide = flatten(evaluate_stablemax_row(x, f, y, {.initial_precision = 1000}));
    const auto narrow = flatten(evaluate_stablemax_row(x, f, y, {.initial_precision = 8}));
    for (std::size_t i = 0; i < by_default.size(); ++i) {
      CHECK(same_bits(by_default[i], wide[i]));
      CHECK(same_bits(by_default[i], narrow[i]));
    }
  }
}

TEST_CASE("exact rounding boundaries are decided (ties to even), not looped on") {
  // (a + 1) / (a + b + 2) with a + b + 2 = 2^(p+1) and a + 1 odd is a midpoint of the format
  // in [1/2, 1): no enclosure decides it; the exact rational path must.
  struct Case {
    Format f;
    int p;
  };
  for (const Case c : {Case{Format::f64, 53}, Case{Format::f32, 24}, Case{Format::f16, 11},
                       Case{Format::bf16, 8}}) {
    INFO(name(c.f));
    const double a = std::ldexp(1.0, c.p) + 2;       // 2k with k = 2^(p-1) + 1
    const double b = std::ldexp(1.0, c.p + 1) - 2 - a;
    REQUIRE(round_to_format(a, c.f) == a);
    if (c.f == Format::bf16) continue;  // 2^8 + 2 needs 9 bits: not a bf16 value
    REQUIRE(round_to_format(b, c.f) == b);
    // (2^p + 3) / 2^(p+1) = 1/2 + 1.5 ulp: ties to the even neighbour 1/2 + 2 ulp.
    const double tie_up = 0.5 + std::ldexp(1.0, -c.p + 1);
    for (const reference::ReferenceOptions& schedule :
         {reference::ReferenceOptions{}, reference::ReferenceOptions{.initial_precision = 128,
                                                                     .max_precision = 512}}) {
      const StableMaxReference r = evaluate_stablemax_row(std::vector<double>{a, b}, c.f, 0,
                                                          schedule);
      CHECK(same_bits(r.stablemax[0].rounded, tie_up));
      CHECK(same_bits(r.stablemax[1].rounded, 0.5 - 3 * std::ldexp(1.0, -c.p - 1)));
      CHECK(same_bits(r.gradient[1].rounded, std::ldexp(1.0, -c.p - 1)));  // 1 / S exactly
    }
  }
}
