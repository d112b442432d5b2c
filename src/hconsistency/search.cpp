#include "hconsistency/search.hpp"

#include <cmath>
#include <span>

#include "core/rng.hpp"
#include "hconsistency/bound.hpp"
#include "hconsistency/comp_sum.hpp"
#include "hconsistency/evaluate.hpp"
#include "hconsistency/nelder_mead.hpp"
#include "hconsistency/zero_one.hpp"

namespace softcheck::hconsistency {
namespace {

// Structured starts: the binary worst case (two classes carry p, the others' scores far
// below: -kFarScore^2) and the all-tied one (every class at the top of p and h but class 1).
constexpr double kFarScore = 8.0;    // h_k = -64: e^-64 ~ 1.6e-28 of the mass
constexpr double kSaturated = 30.0;  // sigmoid(+-30) = 1 - 9e-14 or 9e-14
constexpr double kStep = 0.5;        // initial simplex edge
constexpr double kTolerance = 1e-17;
constexpr std::size_t kEvaluationsPerDimension = 400;
constexpr std::size_t kRestarts = 3;  // Nelder-Mead restarted from its own minimum

double slack_in_double(const std::vector<double>& p, const std::vector<double>& h, double tau) {
  const std::span<const double> q(p);
  const double regret = conditional_risk<double>(q, h, tau) - optimal_risk<double>(q, tau);
  return regret - bound_curve<double>(zero_one_regret<double>(q, h), tau, p.size());
}

std::vector<double> structured_start(std::size_t classes, bool tied) {
  std::vector<double> x(1 + 2 * (classes - 2), 0.0);
  for (std::size_t k = 0; k + 2 < classes; ++k) {
    x[1 + k] = tied ? kSaturated : -kSaturated;
    x[1 + (classes - 2) + k] = tied ? 0.0 : kFarScore;
  }
  return x;
}

std::vector<double> random_start(Rng& rng, std::size_t classes) {
  std::vector<double> x(1 + 2 * (classes - 2));
  x[0] = rng.normal();
  for (std::size_t k = 0; k + 2 < classes; ++k) {
    x[1 + k] = 3 * rng.normal();
    x[1 + (classes - 2) + k] = 3 * rng.normal();
  }
  return x;
}

}  // namespace

std::vector<double> default_search_targets() {
  return {0.001, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99};
}

void search_point(const std::vector<double>& x, double eps, std::size_t classes,
                  std::vector<double>& p, std::vector<double>& h) {
  p.assign(classes, 0.0);
  h.assign(classes, 0.0);
  double beta_sum = 0;
  for (std::size_t k = 2; k < classes; ++k) beta_sum += p[k] = 1 / (1 + std::exp(-x[k - 1]));
  const double beta_cap = 1 / eps - 1;  // a >= 0 needs eps (1 + sum beta) <= 1
  const double scale = beta_sum > beta_cap ? beta_cap / beta_sum : 1.0;
  beta_sum *= scale;
  const double a = std::max(0.0, (1 - eps * (1 + beta_sum)) / (2 + beta_sum));
  p[0] = a + eps;
  p[1] = a;
  for (std::size_t k = 2; k < classes; ++k) p[k] *= scale * (a + eps);
  h[0] = -x[0] * x[0];
  for (std::size_t k = 2; k < classes; ++k) h[k] = -x[classes - 2 + k - 1] * x[classes - 2 + k - 1];
}

std::vector<WorstCase> search_worst_cases(const SearchOptions& options) {
  const std::size_t n = options.classes;
  const std::size_t dimension = 1 + 2 * (n - 2);
  const std::size_t budget =
      options.max_evaluations ? options.max_evaluations : kEvaluationsPerDimension * (dimension + 1);
  const std::vector<double> targets = options.targets.empty() ? default_search_targets() : options.targets;
  Rng rng(derive_seed(options.seed, 0x5ea4c4));
  std::vector<WorstCase> worst;
  for (double eps : targets) {
    std::vector<std::pair<std::string, std::vector<double>>> starts = {
        {"binary", structured_start(n, false)}};
    if (n > 2) starts.push_back({"all-tied", structured_start(n, true)});
    for (std::size_t r = 0; r < options.random_starts; ++r)
      starts.push_back({"random" + std::to_string(r), random_start(rng, n)});
    std::vector<double> p, h;
    const auto objective = [&](const std::vector<double>& x) {
      search_point(x, eps, n, p, h);
      return slack_in_double(p, h, options.tau);
    };
    Minimum best;
    std::string best_start;
    for (const auto& [name, start] : starts) {
      Minimum m = nelder_mead(objective, start, kStep, budget, kTolerance);
      for (std::size_t r = 0; r < kRestarts; ++r)
        m = nelder_mead(objective, m.x, kStep / static_cast<double>(4 << r), budget, kTolerance);
      if (best_start.empty() || m.value < best.value) best = m, best_start = name;
    }
    WorstCase w;
    w.target = eps;
    search_point(best.x, eps, n, w.p, w.h);
    const Evaluation e = evaluate(w.p, w.h, options.tau);
    w.zero_one_regret = to_double(e.zero_one_regret);
    w.surrogate_regret = to_double(e.surrogate_regret);
    w.bound = to_double(e.bound);
    w.slack = to_double(e.slack);
    w.start = best_start;
    worst.push_back(std::move(w));
  }
  return worst;
}

}  // namespace softcheck::hconsistency
