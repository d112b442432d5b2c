// Comp-sum kernels: see comp_sum.hpp.
#include "kernels/comp_sum.hpp"

#include <cmath>

#include "fp/constants.hpp"
#include "fp/two_sum.hpp"
#include "kernels/double_word.hpp"
#include "kernels/row.hpp"

namespace softcheck::kernels {
namespace {

// The masked-target row (s_y = 0, u = +inf): comp_sum.hpp's special values.
template <class E>
void write_masked_target(const Row<E>& row, typename E::acc tau) {
  using A = typename E::acc;
  row.set_result(tau < 1 ? fp::kInf<A> : 1 / (tau - 1));
  const A finite_gradient = tau < 1 ? fp::kInf<A> : A(0);
  for (std::size_t j = 0; j < row.n; ++j)
    row.store(j, row.load(j) == -fp::kInf<A> ? A(0) : finite_gradient);
  row.store(row.target, tau < 1 ? -fp::kInf<A> : -A(0));
}

// (x_j - x_y) - tau L as a double-word, L = g + log1p(s) with g = m - x_y; in half units
// (every operand halved, exact at these magnitudes) when a full-size difference overflows.
template <class A>
fp::DoubleWord<A> gradient_exponent(A x_j, A x_y, A m, A log1p_s, A tau) {
  const auto exponent = [&](A f) {
    const fp::DoubleWord<A> l = plus(difference(m * f, x_y * f), log1p_s * f);
    return minus(difference(x_j * f, x_y * f), times(tau, l));
  };
  const fp::DoubleWord<A> full = exponent(A(1));
  if (std::isfinite(full.hi) && std::isfinite(full.lo)) return full;
  const fp::DoubleWord<A> half = exponent(A(0.5));
  if (!std::isfinite(half.hi)) return {half.hi, 0};  // |exponent| > 2 max: exp is 0 or inf
  return {2 * half.hi, 2 * half.lo};
}

template <class E>
void comp_sum_row(typename E::acc tau, const Row<E>& row) {
  using A = typename E::acc;
  const RowMax<A> max = find_max(row);
  if (const auto special = special_logsumexp(max.has_nan, max.value))
    return write_special(Op::comp_sum, row, *special);
  const A m = max.value;
  const auto exp_at = [&](std::size_t j) { return scaled_exp(row.load(j), m); };
  const RowSums<A> sums = sum_exps<A>(row.n, max.index, row.target, exp_at);
  if (tau == 1) return write_cross_entropy(row, m, sums, exp_at);
  const A x_y = row.load(row.target);
  if (x_y == -fp::kInf<A>) return write_masked_target(row, tau);

  const A log1p_s = std::log1p(sums.s);
  const fp::DoubleWord<A> l = plus(difference(m, x_y), log1p_s);  // L; hi = +inf on overflow
  const A c = 1 - tau;                                       // exact for tau in [0, 2]
  const fp::DoubleWord<A> cl = std::isfinite(l.hi) ? times(c, l) : fp::DoubleWord<A>{c * l.hi, 0};
  row.set_result(expm1_of(cl) / c);
  for (std::size_t j = 0; j < row.n; ++j) {
    if (j == row.target) continue;
    const A x_j = row.load(j);
    row.store(j, x_j == -fp::kInf<A> ? A(0) : exp_of(gradient_exponent(x_j, x_y, m, log1p_s, tau)));
  }
  row.store(row.target, target_gradient(sums) * exp_of(cl));
}

}  // namespace

KernelFn make_comp_sum_two_pass(Format format, const LossParameters& parameters) {
  return visit_format(format, [tau = parameters.tau]<class E>(E) -> KernelFn {
    using A = typename E::acc;
    return row_kernel<E>(Op::comp_sum, [t = static_cast<A>(tau)](Op, const Row<E>& row) {
      comp_sum_row<E>(t, row);
    });
  });
}

}  // namespace softcheck::kernels
