// The partition function along a step, F(t) = sum_k exp(z_k + a_k t), checked and put in a
// shifted form: F(t) = exp(z_max + c t) * sum_k exp(d_k + b_k t), d_k = z_k - z_max <= 0,
// b_k = a_k - c, c the middle of the directions. The factor never vanishes, so F and the sum
// have the same zeros; the shift keeps every term's size near 1 where the zeros are.
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <vector>

namespace softcheck::taylor_radius {

// Bad input: lengths differ, no logits, a NaN or +inf logit, a non-finite direction, or every
// logit -inf (F identically zero). The message names the problem.
class InvalidLine : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct Line {
  std::vector<double> z, a;         // the kept terms: logits > -inf (a -inf logit is masked)
  std::vector<std::size_t> source;  // their indices in the input
  double z_max = 0;
  double a_min = 0, a_max = 0;      // over the kept terms
  double centre = 0;                // c = (a_min + a_max) / 2, rounded (any c is valid)

  std::size_t size() const { return z.size(); }
  // F has a zero iff at least two kept terms have different directions.
  bool has_zeros() const { return size() >= 2 && a_min < a_max; }
  double d(std::size_t k) const { return z[k] - z_max; }   // rounded; Arb recomputes exactly
  double b(std::size_t k) const { return a[k] - centre; }  // rounded; Arb recomputes exactly
};

Line make_line(std::span<const double> z, std::span<const double> a);

}  // namespace softcheck::taylor_radius
