// T_tau: its named forms at tau = 0, 1, 2 (proofs/hconsistency-bounds.md, "Named points"),
// continuity in tau, and the binary (n = 2) worst case over h, found by golden-section
// minimisation, meeting the curve.
#include <catch2/catch.hpp>
#include <cmath>
#include <span>
#include <vector>

#include "hconsistency/bound.hpp"
#include "hconsistency/comp_sum.hpp"
#include "hconsistency/real.hpp"

using namespace softcheck::hconsistency;

namespace {

double curve(double t, double tau, std::size_t n) { return bound_curve<double>(t, tau, n); }

// min over d >= 0 of Delta C_tau for p = ((1+t)/2, (1-t)/2), h = (-d, 0): class 1 predicted.
double binary_worst_case(double t, double tau) {
  const std::vector<double> p = {(1 + t) / 2, (1 - t) / 2};
  const double best = optimal_risk<double>(std::span<const double>(p), tau);
  const auto regret = [&](double d) {
    return conditional_risk<double>(std::span<const double>(p), std::vector<double>{-d, 0.0}, tau) - best;
  };
  double lo = 0, hi = 40;
  const double golden = (std::sqrt(5.0) - 1) / 2;
  for (int i = 0; i < 200; ++i) {
    const double a = hi - golden * (hi - lo), b = lo + golden * (hi - lo);
    if (regret(a) < regret(b)) hi = b; else lo = a;
  }
  return std::min(regret(lo), regret(0.0));
}

}  // namespace

TEST_CASE("T_tau at its named forms: 1 - sqrt(1 - t^2), the binary KL, t / n") {
  for (double t : {0.0, 0.01, 0.3, 0.7, 0.99, 1.0}) {
    CAPTURE(t);
    CHECK(curve(t, 0, 5) == Approx(1 - std::sqrt(1 - t * t)).margin(1e-15));
    const double kl = t < 1 ? (1 + t) / 2 * std::log1p(t) + (1 - t) / 2 * std::log1p(-t) : std::log(2.0);
    CHECK(curve(t, 1, 5) == Approx(kl).margin(1e-15));
    for (std::size_t n : {2u, 3u, 10u}) CHECK(curve(t, 2, n) == Approx(t / n).margin(1e-15));
  }
}

TEST_CASE("T_tau is continuous in tau at 1 and 2, and in MPFR agrees with double") {
  for (double t : {0.05, 0.5, 0.9}) {
    CHECK(curve(t, 1 - 1e-7, 3) == Approx(curve(t, 1, 3)).epsilon(1e-5));
    CHECK(curve(t, 1 + 1e-7, 2) == Approx(curve(t, 1, 2)).epsilon(1e-5));
    CHECK(curve(t, 2 - 1e-9, 3) == Approx(curve(t, 2, 3)).epsilon(1e-5));
    for (double tau : {0.0, 0.5, 1.0, 1.5, 2.0})
      CHECK(to_double(bound_curve<Real>(Real(t), Real(tau), 3)) == Approx(curve(t, tau, 3)).epsilon(1e-13));
  }
}

TEST_CASE("for n = 2 the worst case over h meets T_tau: the bound is tight") {
  for (double tau : {0.0, 0.5, 1.0, 1.5, 2.0})
    for (double t : {0.01, 0.2, 0.5, 0.8, 0.99}) {
      CAPTURE(tau, t);
      const double worst = binary_worst_case(t, tau);
      CHECK(worst >= curve(t, tau, 2) - 1e-14);
      CHECK(worst == Approx(curve(t, tau, 2)).margin(1e-12));
    }
}
