// Nelder-Mead minimisation (standard coefficients: reflection 1, expansion 2, contraction
// 1/2, shrink 1/2; Nelder & Mead 1965, as in Lagarias et al. 1998), in double.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace softcheck::hconsistency {

struct Minimum {
  std::vector<double> x;
  double value = 0;
  std::size_t evaluations = 0;
};

// Stops after max_evaluations or when the simplex's values agree within tolerance.
Minimum nelder_mead(const std::function<double(const std::vector<double>&)>& f,
                    std::vector<double> start, double step, std::size_t max_evaluations,
                    double tolerance);

}  // namespace softcheck::hconsistency
