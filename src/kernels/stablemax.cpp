// StableMax kernels (Prieto et al. 2025), "two-pass": pass 1 sums s(x_j) (stable_sum in
// stablemax.hpp: pairs, the first maximum kept apart), pass 2 recomputes s(x_j) and writes
//   stablemax_j     = s_j / S
//   log_stablemax_j = -log(S / s_j)      (log1p(R / s_a) at the maximum a)
//   StCE loss       = log(S / s_y),  gradient: s'(x_j) / S,  -(T / S) / (1 + |x_y|) at y
// Formats f32 and f64, computed in their own precision (u = 2^-24, 2^-53).
//
// Contract (contracts/builtin.json, "*/stablemax/*" and the two rules after it). First-order
// bounds in ulps of the exact result (an ulp exceeds u times the value):
//   stablemax         n + 4: s_j 2 roundings, S n + 1 (n - 2 additions in R, 2 in s,
//                     1 for s_a + R), the quotient 1.
//   log_stablemax     (n + 4) / ln 2 + 1 away from the maximum (log at a ratio >= 2 has
//                     condition number <= 1 / ln 2; + 1 ulp of libm's log), n + 4 at it
//                     (log1p of R / s_a, condition <= 1).
//   StCE gradient     n + 7 (s_j^2 / S as s_j * (s_j / S); at the target T / S, then 1 + |x|
//                     and the quotient); loss as log_stablemax.
// Valid for every finite input, including +-max: s is kept as (mantissa, exponent), so
// neither s nor S overflows or becomes subnormal; outputs that are subnormal are rounded
// once more (ldexp), within the subnormal allowance.
// Special values (README "Special values", StableMax table):
//   empty row: no outputs, loss NaN; a NaN or a +inf: every output NaN (inf / inf);
//   all -inf: every output NaN (0 / 0); a masked entry (-inf): stablemax +0,
//   log_stablemax -inf, gradient +0; a masked target: loss +inf.
#include <cmath>

#include "fp/constants.hpp"
#include "kernels/builtin.hpp"
#include "kernels/row.hpp"
#include "kernels/stablemax.hpp"

namespace softcheck::kernels {
namespace {

template <class E>
void stablemax_row(Op op, const Row<E>& row) {
  using A = typename E::acc;
  const auto sum = stable_sum(row);
  if (!sum) return write_special(op, row, fp::kNaN<A>);
  if (op == Op::stablemax_cross_entropy)
    row.set_result(row.load(row.target) == -fp::kInf<A>
                       ? fp::kInf<A>
                       : neg_log_stablemax(*sum, row.target, stablemax_pair(row.load(row.target))));
  for (std::size_t j = 0; j < row.n; ++j) {
    const A x = row.load(j);
    if (x == -fp::kInf<A>) {
      row.store(j, op == Op::log_stablemax ? -fp::kInf<A> : A(0));
      continue;
    }
    const Pair<A> s = stablemax_pair(x);
    if (op == Op::stablemax) {
      row.store(j, stablemax_value(*sum, s));
    } else if (op == Op::log_stablemax) {
      row.store(j, -neg_log_stablemax(*sum, j, s));
    } else if (op == Op::stablemax_cross_entropy) {
      row.store(j, j == row.target ? stablemax_ce_target_gradient(*sum, j, x, s)
                                   : stablemax_ce_gradient(*sum, x, s));
    }
  }
}

}  // namespace

KernelFn make_stablemax_two_pass(Op op, Format format) {
  return visit_format(format, [op]<class E>(E) -> KernelFn {
    return row_kernel<E>(op, &stablemax_row<E>);
  });
}

}  // namespace softcheck::kernels
