// Temperature-scaled cross-entropy kernels: see temperature_ce.hpp.
#include "kernels/temperature_ce.hpp"

#include <cmath>
#include <limits>

#include "fp/two_sum.hpp"
#include "kernels/row.hpp"

namespace softcheck::kernels {
namespace {

// kScale * exp((a - b) / T) for a <= b, b finite (scaled_exp of row.hpp with the division
// by T): (a - b) / T = q + c with q = RN(d / T), c = (t + (d - q T)) / T, t the rounding
// error of d = a - b (TwoSum) and d - q T exact (FMA). Masked or vanishing terms give +0.
template <class A>
A tempered_scaled_exp(A a, A b, A temperature) {
  const A d = a - b;
  const A q = d / temperature;
  if (!std::isfinite(q)) return 0;  // a = -inf, or (a - b) / T below -max: exp is 0
  const A t = fp::two_sum_error(a, -b, d);
  const A c = (t + std::fma(-q, temperature, d)) / temperature;
  const A e = std::exp(q);
  if (e >= std::numeric_limits<A>::min()) return (e + e * c) * kScale<A>;
  const A shifted = q + ScaleLog<A>::kHi;
  const A e_shifted = std::exp(shifted);
  if (e_shifted == 0) return e_shifted;
  const A correction = c + fp::two_sum_error(q, ScaleLog<A>::kHi, shifted) + ScaleLog<A>::kLo;
  return e_shifted + e_shifted * correction;
}

// (m - x_y) / T for m >= x_y, with the same corrections; where m - x_y overflows (logits of
// opposite signs near +-max) it is m / T - x_y / T (two roundings; the value is huge).
template <class A>
A scaled_gap(A m, A x_y, A temperature) {
  const A g = m - x_y;
  if (!std::isfinite(g)) return m / temperature - x_y / temperature;
  const A q = g / temperature;
  if (!std::isfinite(q)) return q;
  const A t = fp::two_sum_error(m, -x_y, g);
  return q + (t + std::fma(-q, temperature, g)) / temperature;
}

template <class E>
void temperature_ce_row(typename E::acc temperature, const Row<E>& row) {
  using A = typename E::acc;
  const RowMax<A> max = find_max(row);
  if (const auto special = special_logsumexp(max.has_nan, max.value))
    return write_special(Op::temperature_cross_entropy, row, *special);
  const A m = max.value;
  const auto exp_at = [&](std::size_t j) { return tempered_scaled_exp(row.load(j), m, temperature); };
  const RowSums<A> sums = sum_exps<A>(row.n, max.index, row.target, exp_at);
  const std::size_t y = row.target;
  row.set_result_sum(scaled_gap(m, row.load(y), temperature), log_term(row, m, sums.s));
  const A denominator = (1 + sums.s) * temperature;
  const A inverse = kUnscale<A> / denominator;
  for (std::size_t j = 0; j < row.n; ++j)
    if (j != y) row.store(j, exp_at(j) * inverse);
  row.store(y, -(sums.others_scaled / denominator) * kUnscale<A> + A(0));
}

}  // namespace

KernelFn make_temperature_ce_two_pass(Format format, const LossParameters& parameters) {
  return visit_format(format, [temperature = parameters.temperature]<class E>(E) -> KernelFn {
    using A = typename E::acc;
    return row_kernel<E>(Op::temperature_cross_entropy,
                         [t = static_cast<A>(temperature)](Op, const Row<E>& row) {
                           temperature_ce_row<E>(t, row);
                         });
  });
}

}  // namespace softcheck::kernels
