// Properties of the Taylor radius of the line loss (src/taylor_radius): the fast bound rho_a never
// exceeds the exact pi / Delta_a nor rho*, the certified interval holds rho* tightly and
// matches the two-class formula, F has no zero in the disc of radius rho_a, and the Taylor
// coefficients of the line loss see the same radius (Cauchy-Hadamard; convergence at
// 0.9 rho*, divergence at 1.1 rho*). Logits come from the shared input families
// (src/core/families.hpp: normal, confident, extreme, masked, ties) and from generators
// below; directions from the generators below. n runs from 2 to 1000, mostly small so the
// default run stays within a few seconds (SOFTCHECK_TEST_SCALE=10 for a deep run).
#include <rapidcheck/catch.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <complex>
#include <limits>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "core/families.hpp"
#include "taylor_radius/arb_handles.hpp"
#include "taylor_radius/batch.hpp"
#include "taylor_radius/certify.hpp"
#include "taylor_radius/exact_line.hpp"
#include "taylor_radius/ghosts.hpp"
#include "taylor_radius/line.hpp"
#include "taylor_radius/numeric.hpp"
#include "taylor_radius/spread.hpp"
#include "taylor_radius/taylor.hpp"
#include "taylor_radius/winding.hpp"
#include "test_values.hpp"

using namespace softcheck;
using namespace softcheck::taylor_radius;

using softcheck::test::kInf;

namespace {

constexpr long kCheckBits = 256;     // precision of the independent Arb evaluations here
// hi / lo - 1: the width certify_radius aims for (CertifyOptions::relative_width,
// src/taylor_radius/certify.hpp).
constexpr double kTargetWidth = 1e-6;
// Logit families whose finite values stay below kMaxLogit in magnitude (so that the nearest
// zero is within a double's range); the extreme ones (exp-overflow-edge: +-709.78) included.
const std::vector<std::string> kLogitFamilies = {
    "normal-s1", "normal-s3", "normal-s30", "confident", "uniform-90-100", "exp-overflow-edge",
    "masked", "ties", "tile-lengths"};
constexpr double kMaxLogit = 1e4;

// Rows of a family (f64, quick suite, a fixed seed), generated once.
const std::vector<std::vector<double>>& family_rows(const std::string& name) {
  static std::map<std::string, std::vector<std::vector<double>>> cache;
  auto& rows = cache[name];
  if (rows.empty()) {
    for (const Batch& b : find_family(name)->generate(Format::f64, Suite::quick,
                                                      family_seed(1, name)))
      for (std::size_t r = 0; r < b.rows; ++r) {
        std::vector<double> row;
        for (double v : b.row(r))  // drop NaN and +inf (invalid input, tested separately)
          if (!std::isnan(v) && v != kInf && std::fabs(v) <= kMaxLogit) row.push_back(v);
          else if (v == -kInf) row.push_back(v);
        if (!row.empty()) rows.push_back(row);
      }
  }
  return rows;
}

// n classes: 2..10 most often, up to 1000 rarely (a certificate at n = 1000 takes ~0.3 s).
rc::Gen<std::size_t> class_count(std::size_t max_n = 1000) {
  return rc::gen::weightedOneOf<std::size_t>({
      {60, rc::gen::inRange<std::size_t>(2, 11)},
      {30, rc::gen::inRange<std::size_t>(11, std::min<std::size_t>(101, max_n + 1))},
      {8, rc::gen::inRange<std::size_t>(2, std::min<std::size_t>(301, max_n + 1))},
      {2, rc::gen::inRange<std::size_t>(2, max_n + 1)},
  });
}

// Logits: a family row (cycled to n) or a normal row with a confident class on top.
std::vector<double> any_logits(std::size_t n) {
  if (*rc::gen::inRange(0, 4) > 0) {
    const auto& rows = family_rows(*rc::gen::elementOf(kLogitFamilies));
    const auto& row = rows[*rc::gen::inRange<std::size_t>(0, rows.size())];
    std::vector<double> z(n);
    for (std::size_t k = 0; k < n; ++k) z[k] = row[k % row.size()];
    if (std::all_of(z.begin(), z.end(), [](double v) { return v == -kInf; })) z[0] = 0;
    return z;
  }
  const double sigma = *rc::gen::element(0.0, 1.0, 3.0, 10.0);
  const double gap = *rc::gen::element(0.0, 10.0, 50.0);
  std::vector<double> z(n);
  for (auto& v : z) v = sigma * *rc::gen::inRange(-3000, 3001) / 1000.0;
  z[*rc::gen::inRange<std::size_t>(0, n)] += gap;
  return z;
}

// Directions a_k = grad z_k . v: a scale from 1e-3 to 30, sometimes ties or a lone outlier.
std::vector<double> any_direction(std::size_t n) {
  const double scale = *rc::gen::element(1e-3, 0.1, 1.0, 30.0);
  std::vector<double> a(n);
  for (auto& v : a) v = scale * *rc::gen::inRange(-10000, 10001) / 5000.0;
  switch (*rc::gen::inRange(0, 6)) {
    case 0: for (std::size_t k = 1; k < n; k += 2) a[k] = a[0]; break;  // many ties
    case 1: a[n - 1] = 5 * scale; break;                                // one outlier
    default: break;
  }
  if (std::all_of(a.begin(), a.end(), [&](double v) { return v == a[0]; })) a[0] += scale;
  return a;
}

// The exact pi / (max a - min a) as a ball.
Arb exact_rho_a(double hi, double lo) {
  Arb spread, rho, h(hi), l(lo);
  arb_sub(spread, h, l, 2200);
  arb_const_pi(rho, kCheckBits);
  arb_div(rho, rho, spread, kCheckBits);
  return rho;
}

CertifyOptions general() {
  CertifyOptions o;
  o.closed_form_for_two = false;  // always the argument principle + interval Newton
  return o;
}

}  // namespace

TEST_CASE("the fast rho_a never exceeds the exact pi / Delta_a") {
  rc::prop("f64 and f32, any spread from tiny to overflowing", [] {
    const std::size_t n = *rc::gen::inRange<std::size_t>(2, 64);
    const int exponent = *rc::gen::inRange(-1070, 1020);
    std::vector<double> a(n);
    std::vector<float> f(n);
    for (std::size_t k = 0; k < n; ++k) {
      a[k] = std::ldexp(*rc::gen::inRange(-(1 << 20), 1 << 20) / double(1 << 20), exponent) +
             *rc::gen::element(0.0, 1.0, -3.5, 1e300);
      f[k] = static_cast<float>(std::ldexp(a[k], -std::max(0, exponent - 100)));
    }
    const auto [lo, hi] = std::minmax_element(a.begin(), a.end());
    const double fast = rho_a(std::span<const double>(a));
    if (*hi == *lo) {
      RC_ASSERT(fast == kInf);
    } else {
      const Arb exact = exact_rho_a(*hi, *lo);
      RC_ASSERT(arb_le(Arb(fast), exact));  // certainly <=, at 256 bits
      // and tight: within 3 ulps of the exact value unless it overflows or underflows
      if (fast > 1e-300 && fast < 1e300) RC_ASSERT(exact.mid() <= fast * (1 + 4e-16) + 1e-300);
    }
    const auto [flo, fhi] = std::minmax_element(f.begin(), f.end());
    const float fast32 = rho_a(std::span<const float>(f));
    if (*fhi == *flo) {
      RC_ASSERT(fast32 == std::numeric_limits<float>::infinity());
    } else {
      RC_ASSERT(arb_le(Arb(fast32), exact_rho_a(*fhi, *flo)));
    }
  });
  rc::prop("the batch bound is the worst row's and never exceeds any row's pi / Delta_a", [] {
    const std::size_t rows = *rc::gen::inRange<std::size_t>(1, 8);
    const std::size_t n = *rc::gen::inRange<std::size_t>(1, 40);
    std::vector<double> a(rows * n);
    for (auto& v : a) v = *rc::gen::inRange(-100000, 100001) / 7.0;
    const double batch = batch_rho_a(a, rows, n);
    double smallest = kInf;
    for (std::size_t r = 0; r < rows; ++r) {
      const double row = rho_a(std::span<const double>(a).subspan(r * n, n));
      RC_ASSERT(batch <= row);
      smallest = std::min(smallest, row);
    }
    RC_ASSERT(batch == smallest);
    const double tau = *rc::gen::inRange(0, 1000) / 100.0;
    const double r = normalised_step(tau, batch);
    if (std::isfinite(batch) && batch > 0) RC_ASSERT(r * batch >= tau);
  });
}

TEST_CASE("the certified interval holds rho*, is tight, and is above rho_a") {
  rc::prop("rho_a <= lo <= rho* <= hi, hi / lo - 1 <= 1e-6", [] {
    const std::size_t n = *class_count();
    const auto z = any_logits(n);
    const auto a = any_direction(n);
    const Line line = make_line(z, a);
    const CertifiedRadius r = certify_radius(line, general());
    const double fast = rho_a(std::span<const double>(a));
    if (!line.has_zeros()) {
      RC_ASSERT(r.status == RadiusStatus::infinite);
      return;
    }
    RC_ASSERT(r.status == RadiusStatus::certified);
    RC_ASSERT(fast <= r.lo);  // the bound over all directions is below the kept terms' one
    RC_ASSERT(r.rho_a <= r.lo);
    RC_ASSERT(r.lo <= r.hi);
    RC_ASSERT(r.hi / r.lo - 1 <= kTargetWidth);
    RC_ASSERT(!r.nearest.empty());
    for (const Ghost& g : r.nearest) {  // the reported zero is at the certified distance
      RC_ASSERT(std::abs(g.t) - g.error <= r.hi);
      RC_ASSERT(std::abs(g.t) + g.error >= r.lo);
    }
  });
}

TEST_CASE("two classes: the certified radius is sqrt(delta^2 + pi^2) / Delta_a") {
  rc::prop("the argument-principle interval contains the closed form", [] {
    const auto z = any_logits(2);
    const auto a = any_direction(2);
    if (a[0] == a[1] || z[0] == -kInf || z[1] == -kInf) return;
    const CertifiedRadius r = certify_radius(z, a, general());
    RC_ASSERT(r.status == RadiusStatus::certified);
    Arb delta, spread, pi, modulus, z0(z[0]), z1(z[1]), a0(a[0]), a1(a[1]);
    arb_sub(delta, z0, z1, 2200);
    arb_sub(spread, a0, a1, 2200);
    arb_abs(spread, spread);
    arb_const_pi(pi, kCheckBits);
    arb_hypot(modulus, delta, pi, kCheckBits);
    arb_div(modulus, modulus, spread, kCheckBits);
    RC_ASSERT(arb_le(Arb(r.lo), modulus));
    RC_ASSERT(arb_ge(Arb(r.hi), modulus));
    const CertifiedRadius closed = certify_radius(z, a);  // the closed-form path
    RC_ASSERT(closed.lo <= r.hi);
    RC_ASSERT(r.lo <= closed.hi);
  });
}

TEST_CASE("F has no zero in the disc of radius rho_a") {
  rc::prop("argument principle: winding number 0 on |t| = rho_a (1 - 1e-9)", [] {
    const std::size_t n = *class_count(300);
    const auto z = any_logits(n);
    const auto a = any_direction(n);
    const Line line = make_line(z, a);
    if (!line.has_zeros()) return;
    const double radius = rho_a(std::span<const double>(line.a)) * (1 - 1e-9);
    WindingOptions options;
    options.precision = 128;
    const Winding w = count_zeros(ExactLine(line), 0, radius, options);
    RC_ASSERT(w.certified);
    RC_ASSERT(w.zeros == 0);
  });
}

TEST_CASE("the Taylor coefficients of the line loss see the same radius") {
  // c_k ~ -(1/k) (t0^-k + conj(t0)^-k) for the nearest pair t0: |c_k|^(1/k) rho* tends to 1
  // from below like (2/k)^(1/k) (0.967 at k = 128) when the pair's phase is favourable, so
  // the maximum over k in [K/2, K] must lie in [1 - kBelow, 1 + kAbove].
  static constexpr std::size_t kOrder = 128;
  static constexpr double kBelow = 0.06, kAbove = 0.01;
  // Partial sums: at 0.9 rho* they match L(t) - L(0) to kConverged; at 1.1 rho* the terms
  // c_k t^k of the last quarter are at least kGrowth times those of the second quarter.
  static constexpr double kConverged = 1e-6, kGrowth = 10;
  static constexpr double kMaxRange = 20;
  rc::prop("|c_k|^(1/k) -> 1/rho*; converges at 0.9 rho*, diverges at 1.1 rho*", [] {
    const std::size_t n = *rc::gen::inRange<std::size_t>(2, 30);
    const auto z = any_logits(n);
    const auto a = any_direction(n);
    const Line line = make_line(z, a);
    if (!line.has_zeros()) return;
    // The asymptotic regime starts near k ~ the logit range delta: before it c_k behaves like
    // e^-delta Delta_a^k / k! (the entire part of log(1 + e^(-delta + Delta_a t))). Rows with
    // range <= kMaxRange reach it well before k = kOrder / 2; wider rows are discarded here
    // (the certified-interval property covers them).
    const auto [z_lo, z_hi] = std::minmax_element(line.z.begin(), line.z.end());
    RC_PRE(*z_hi - *z_lo <= kMaxRange);
    const CertifiedRadius r = certify_radius(line, general());
    RC_ASSERT(r.status == RadiusStatus::certified);
    const double rho = r.lo;
    const long prec = 64 + 8 * static_cast<long>(kOrder);
    const auto c = line_loss_taylor(line, a[0], kOrder, prec);
    // In logarithms: c_k rho*^k under- or overflows a double for small or large Delta_a.
    Arb log_rho(rho), log_outside(1.1 * rho);
    arb_log(log_rho, log_rho, prec);
    arb_log(log_outside, log_outside, prec);
    const auto log_term = [&](std::size_t k, const Arb& log_radius) {  // log |c_k| r^k
      Arb m, scaled;
      if (arb_contains_zero(c[k])) return -kInf;
      arb_abs(m, c[k]);
      arb_log(m, m, prec);
      arb_mul_ui(scaled, log_radius, k, prec);
      arb_add(m, m, scaled, prec);
      return m.mid();
    };
    double best = -kInf;
    for (std::size_t k = kOrder / 2; k <= kOrder; ++k) {
      if (arb_contains_zero(c[k])) continue;  // e.g. the odd c_k of a symmetric row: 0
      RC_ASSERT(arb_rel_accuracy_bits(c[k]) > 20);  // c_k computed exactly enough
      best = std::max(best, log_term(k, log_rho) / static_cast<double>(k));
    }
    best = std::exp(best);  // max |c_k|^(1/k) rho*
    RC_LOG() << "max |c_k|^(1/k) rho* = " << best;
    RC_ASSERT(best >= 1 - kBelow);
    RC_ASSERT(best <= 1 + kAbove);

    // Along the worst direction: toward the nearest zero.
    const Complex toward = r.nearest.front().t / std::abs(r.nearest.front().t);
    double second = -kInf, last = -kInf;
    for (std::size_t k = kOrder / 4; k <= kOrder / 2; ++k)
      second = std::max(second, log_term(k, log_outside));
    for (std::size_t k = 3 * kOrder / 4; k <= kOrder; ++k)
      last = std::max(last, log_term(k, log_outside));
    RC_ASSERT(last >= std::log(kGrowth) + second);

    // Inside: the partial sum equals L(t) - L(0) = -a_y t + log(F(t) / F(0)), the logarithm
    // continued along the segment from 0 (double precision, small steps).
    const Complex t = 0.9 * rho * toward;
    const NumericLine numeric(line);
    Complex g, g1, g0, previous;
    numeric.evaluate(0, g0, g1);
    double log_modulus = 0, argument = 0;
    constexpr int kSteps = 2000;
    previous = 1;
    for (int s = 1; s <= kSteps; ++s) {  // G(t_s) / G(0), scale-free: recompute exactly below
      const Complex ts = t * (static_cast<double>(s) / kSteps);
      numeric.evaluate(ts, g, g1);
      argument += std::arg(g / previous);
      previous = g;
    }
    // |G(t)/G(0)| from the unscaled sums (the evaluator's scale e^-M is t-dependent).
    double m0 = -kInf, m1 = -kInf;
    for (std::size_t k = 0; k < line.size(); ++k) {
      m0 = std::max(m0, line.d(k));
      m1 = std::max(m1, line.d(k) + line.b(k) * t.real());
    }
    std::complex<double> s0 = 0, s1 = 0;
    for (std::size_t k = 0; k < line.size(); ++k) {
      s0 += std::exp(line.d(k) - m0);
      s1 += std::exp(Complex(line.d(k) - m1 + line.b(k) * t.real(), line.b(k) * t.imag()));
    }
    log_modulus = m1 - m0 + std::log(std::abs(s1)) - std::log(std::abs(s0));
    const Complex exact = Complex(log_modulus, argument) + (line.centre - a[0]) * t;
    const Acb sum = taylor_partial_sum(c, kOrder, t, prec);
    Acb constant(c[0].mid(), 0);
    const Complex partial = sum.mid() - constant.mid();
    RC_LOG() << "S_K(0.9 rho*) = " << partial << ", L(t) - L(0) = " << exact;
    RC_ASSERT(std::abs(partial - exact) <= kConverged * std::max(1.0, std::abs(exact)));
  });
}

TEST_CASE("degenerate and bad lines") {
  SECTION("equal directions, one class, masked classes: no zero, infinite radius") {
    const std::vector<double> z = {1, 2, 3}, same = {0.5, 0.5, 0.5};
    CHECK(certify_radius(z, same).status == RadiusStatus::infinite);
    CHECK(certify_radius(z, same).lo == kInf);
    CHECK(rho_a(std::span<const double>(same)) == kInf);
    CHECK(certify_radius(std::vector<double>{1}, std::vector<double>{2}).status ==
          RadiusStatus::infinite);
    const std::vector<double> masked = {-kInf, 0, -kInf}, a = {5, 1, -7};
    CHECK(certify_radius(masked, a).status == RadiusStatus::infinite);
    CHECK(rho_a(std::span<const double>(a)) <= std::numbers::pi / 12);
  }
  SECTION("invalid input is refused with a message") {
    const std::vector<double> ok = {1, 2};
    CHECK_THROWS_AS(make_line(ok, std::vector<double>{1}), InvalidLine);
    CHECK_THROWS_AS(make_line(std::vector<double>{}, std::vector<double>{}), InvalidLine);
    CHECK_THROWS_AS(make_line(std::vector<double>{1, NAN}, ok), InvalidLine);
    CHECK_THROWS_AS(make_line(std::vector<double>{1, kInf}, ok), InvalidLine);
    CHECK_THROWS_AS(make_line(ok, std::vector<double>{1, NAN}), InvalidLine);
    CHECK_THROWS_AS(make_line(std::vector<double>{-kInf, -kInf}, ok), InvalidLine);
    CHECK(std::isnan(rho_a(std::span<const double>(std::vector<double>{1, NAN}))));
  }
  SECTION("delta = 0, two classes: rho* = rho_a exactly, zeros at +-i pi / Delta_a") {
    const CertifiedRadius r = certify_radius(std::vector<double>{0, 0},
                                             std::vector<double>{1, -1}, general());
    REQUIRE(r.status == RadiusStatus::certified);
    CHECK(r.lo <= std::numbers::pi / 2);
    CHECK(r.hi >= std::numbers::pi / 2);
  }
  SECTION("the ghosts near the origin: conjugate pairs, certified, complete") {
    const Line line = make_line(std::vector<double>{0.3, -1, 2, 0}, std::vector<double>{1, -2, 0.5, 3});
    const CertifiedRadius r = certify_radius(line);
    const GhostList list = find_ghosts(line, 3 * r.hi);
    CHECK(list.complete);
    REQUIRE(list.zeros.size() >= 2);
    CHECK(std::abs(std::abs(list.zeros.front().t) - r.hi) <= 1e-6 * r.hi);
    for (std::size_t i = 1; i < list.zeros.size(); ++i)
      CHECK(std::abs(list.zeros[i].t) >= std::abs(list.zeros[i - 1].t));
  }
}
