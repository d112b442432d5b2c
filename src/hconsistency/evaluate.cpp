#include "hconsistency/evaluate.hpp"

#include "hconsistency/bound.hpp"
#include "hconsistency/comp_sum.hpp"
#include "hconsistency/zero_one.hpp"

namespace softcheck::hconsistency {

std::vector<Real> exact_distribution(std::span<const double> p) {
  Real sum = 0;
  for (double v : p) sum += Real(v);  // exact enough: 261 bits hold sums of doubles of one row
  std::vector<Real> out;
  out.reserve(p.size());
  for (double v : p) out.push_back(Real(v) / sum);
  return out;
}

Evaluation evaluate(std::span<const double> p, std::span<const double> h, double tau) {
  const std::vector<Real> exact = exact_distribution(p);
  const std::span<const Real> q(exact);
  const Real t(tau);
  const Real risk = conditional_risk<Real>(q, h, t);
  const Real best = optimal_risk<Real>(q, t);
  Evaluation e;
  e.zero_one_regret = zero_one_regret<Real>(q, h);
  e.surrogate_regret = risk - best;
  e.bound = bound_curve<Real>(e.zero_one_regret, t, p.size());
  e.slack = e.surrogate_regret - e.bound;
  e.allowance = rounding_allowance() * (1 + abs(risk) + abs(best) + abs(e.bound));
  return e;
}

}  // namespace softcheck::hconsistency
