// Conditional risks of the comp-sum losses: the loss at the named members (tau = 0, 1, 2),
// the closed-form best-in-class risk C*_tau against brute-force minimisation over h, and the
// zero-one regret's tie rule.
#include <catch2/catch.hpp>
#include <cmath>
#include <span>
#include <vector>

#include "hconsistency/comp_sum.hpp"
#include "hconsistency/nelder_mead.hpp"
#include "hconsistency/zero_one.hpp"

using namespace softcheck::hconsistency;

namespace {

double risk(const std::vector<double>& p, const std::vector<double>& h, double tau) {
  return conditional_risk<double>(std::span<const double>(p), h, tau);
}

// min over h of C_tau(h) by Nelder-Mead with h_0 = 0 fixed (shift invariance), restarted.
double brute_force_optimum(const std::vector<double>& p, double tau) {
  const auto f = [&](const std::vector<double>& x) {
    std::vector<double> h(p.size(), 0.0);
    for (std::size_t i = 0; i < x.size(); ++i) h[i + 1] = x[i];
    return risk(p, h, tau);
  };
  Minimum m = nelder_mead(f, std::vector<double>(p.size() - 1, 0.0), 1.0, 20000, 1e-16);
  for (int r = 0; r < 3; ++r) m = nelder_mead(f, m.x, 0.1, 20000, 1e-16);
  return m.value;
}

}  // namespace

TEST_CASE("the comp-sum loss at its named members") {
  const std::vector<double> h = {0.3, -1.2, 2.0};
  double z = 0;
  for (double v : h) z += std::exp(v);
  const double s0 = std::exp(h[0]) / z;
  const std::vector<double> onehot = {1.0, 0.0, 0.0};
  CHECK(risk(onehot, h, 0) == Approx(1 / s0 - 1).epsilon(1e-14));        // sum-exponential
  CHECK(risk(onehot, h, 1) == Approx(-std::log(s0)).epsilon(1e-14));     // cross-entropy
  CHECK(risk(onehot, h, 2) == Approx(1 - s0).epsilon(1e-14));            // MAE
  CHECK(risk(onehot, h, 1.5) == Approx((1 - std::sqrt(s0)) / 0.5).epsilon(1e-14));  // GCE
}

TEST_CASE("closed-form best-in-class risk at the named members") {
  const std::vector<double> p = {0.5, 0.3, 0.2};
  const std::span<const double> q(p);
  const double entropy = -(0.5 * std::log(0.5) + 0.3 * std::log(0.3) + 0.2 * std::log(0.2));
  CHECK(optimal_risk<double>(q, 1.0) == Approx(entropy).epsilon(1e-14));
  CHECK(optimal_risk<double>(q, 2.0) == Approx(0.5).epsilon(1e-14));
  const double root_sum = std::sqrt(0.5) + std::sqrt(0.3) + std::sqrt(0.2);
  CHECK(optimal_risk<double>(q, 0.0) == Approx(root_sum * root_sum - 1).epsilon(1e-14));
}

TEST_CASE("closed-form best-in-class risk matches brute-force minimisation") {
  const std::vector<std::vector<double>> distributions = {
      {0.7, 0.3}, {0.5, 0.3, 0.2}, {0.4, 0.4, 0.2}, {0.1, 0.2, 0.3, 0.4}};
  for (double tau : {0.0, 0.25, 0.5, 0.9, 1.0, 1.1, 1.5, 1.8}) {
    for (const auto& p : distributions) {
      CAPTURE(tau, p);
      const double closed = optimal_risk<double>(std::span<const double>(p), tau);
      CHECK(brute_force_optimum(p, tau) == Approx(closed).epsilon(1e-9));
      // The claimed minimiser s* ∝ p^(1/(2 - tau)) attains it.
      const auto s = optimal_probabilities<double>(std::span<const double>(p), tau);
      std::vector<double> h;
      for (double v : s) h.push_back(std::log(v));
      CHECK(risk(p, h, tau) == Approx(closed).epsilon(1e-13));
    }
  }
}

TEST_CASE("MAE's best-in-class risk is approached by concentrating on argmax p") {
  const std::vector<double> p = {0.2, 0.5, 0.3};
  CHECK(risk(p, {0.0, 40.0, 0.0}, 2.0) == Approx(0.5).epsilon(1e-12));
  CHECK(brute_force_optimum(p, 2.0) >= 0.5 - 1e-12);
}

TEST_CASE("zero-one regret: ties go to the worst tied class") {
  const std::vector<double> p = {0.5, 0.3, 0.2};
  const std::span<const double> q(p);
  CHECK(zero_one_regret<double>(q, std::vector<double>{1.0, 0.0, 0.0}) == 0.0);
  CHECK(zero_one_regret<double>(q, std::vector<double>{0.0, 1.0, 0.0}) == Approx(0.2));
  CHECK(predicted_class<double>(q, std::vector<double>{1.0, 1.0, 1.0}) == 2);
  CHECK(zero_one_regret<double>(q, std::vector<double>{1.0, 1.0, 0.0}) == Approx(0.2));
}
