// The worst-case search: for each target Delta C_{0-1} = eps, minimise the slack
// Delta C_tau - T_tau(Delta C_{0-1}) over (p, h) with Nelder-Mead in double, from structured
// and random starts; the best point found is re-evaluated in Real (evaluate.hpp).
//
// Parametrisation (search_point): class 0 carries max p, class 1 is predicted.
//   p_1 = a, p_0 = a + eps, p_k = (a + eps) beta_k (k >= 2), beta_k = sigmoid(z_k) (scaled
//   down when needed so that a >= 0), a fixed by sum p = 1;
//   h_1 = 0, h_0 = -x_0^2, h_k = -w_k^2 (so h_1 is a maximum; ties go to the worse class).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace softcheck::hconsistency {

struct SearchOptions {
  double tau = 1;
  std::size_t classes = 2;
  std::uint64_t seed = 1;
  std::vector<double> targets;       // eps values in (0, 1); empty: default_search_targets()
  std::size_t random_starts = 6;
  std::size_t max_evaluations = 0;   // per start; 0: 400 x (dimension + 1)
};

struct WorstCase {
  double target = 0;
  std::vector<double> p, h;
  double zero_one_regret = 0, surrogate_regret = 0, bound = 0, slack = 0;
  double ratio() const { return bound > 0 ? surrogate_regret / bound : 0; }
  std::string start;  // which start found it
};

std::vector<double> default_search_targets();

// The (p, h) of a parameter vector x for target eps (the parametrisation above).
void search_point(const std::vector<double>& x, double eps, std::size_t classes,
                  std::vector<double>& p, std::vector<double>& h);

std::vector<WorstCase> search_worst_cases(const SearchOptions& options);

}  // namespace softcheck::hconsistency
