// Both sides of the bound for one (p, h), in Real (real.hpp), and the verdict.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "hconsistency/real.hpp"

namespace softcheck::hconsistency {

struct Evaluation {
  Real zero_one_regret;   // Delta C_{0-1}(h)
  Real surrogate_regret;  // Delta C_tau(h) = C_tau(h) - C*_tau
  Real bound;             // T_tau(Delta C_{0-1}(h))
  Real slack;             // surrogate_regret - bound
  Real allowance;         // rounding allowance of the slack (real.hpp)
  bool violated() const { return slack < -allowance; }
};

// p: any nonnegative weights with a positive sum, renormalised exactly-rounded in Real.
std::vector<Real> exact_distribution(std::span<const double> p);

Evaluation evaluate(std::span<const double> p, std::span<const double> h, double tau);

}  // namespace softcheck::hconsistency
