// Three-pass kernels: pass 1 finds the maximum m (and its first index a), pass 2 sums
// s = sum_{j != a} exp(x_j - m), pass 3 writes the outputs (row.hpp, "1 + s").
//   recompute: pass 3 recomputes exp(x_j - m) (or x_j - m for log_softmax).
//              For logsumexp only passes 1 and 2 run: the "max-then-sum" kernel.
//   reload:    pass 2 stores exp(x_j - m) (x_j - m for log_softmax) while summing, pass 3
//              scales (shifts) the stored values. The buffer is the output row when the
//              storage type is the accumulator type (f32, f64); for bf16/f16 storage it is a
//              float scratch row owned by the kernel call, since 16 bits cannot hold the
//              f32 intermediate without a second rounding. Not used for logsumexp.
//
// Accuracy (working precision = the accumulator's, u its unit roundoff): exp(x_j - m) is
// computed by scaled_exp (row.hpp), which recovers the rounding error of x_j - m, so there
// is no |x_j - m| * u amplification, and carries it scaled by 2^40, so terms that would be
// subnormal keep their precision; s is a compensated sum, so no growth with n. What remains
// is about six roundings: exp, 1 + s, the reciprocal, the product (for the target's
// gradient 1 + q, q + e_y and the quotient), and subnormal results are rounded once.
// Measured against long double (tests/unit/kernels_accuracy.cpp, 60 000 extra random rows
// of 2..2000 elements at scales 1 to 30): f32/f64 softmax <= 3.6 ulps, log_softmax <= 2.2,
// logsumexp <= 1.8 (ulps of max(|max|, log1p(s)) where it cancels), cross-entropy <= 4.0;
// bf16/f16 <= 0.5 ulp + 2^-13 (one rounding of an f32 result). Valid for every finite
// input; special values: row.hpp.
#pragma once

#include <cmath>
#include <cstddef>
#include <type_traits>

#include "kernels/row.hpp"

namespace softcheck::kernels {

template <class E>
void three_pass_recompute_row(Op op, const Row<E>& row) {
  using A = typename E::acc;
  const RowMax<A> max = find_max(row);
  if (const auto special = special_logsumexp(max.has_nan, max.value))
    return write_special(op, row, *special);
  const A m = max.value;
  const auto diff_at = [&](std::size_t j) { return row.load(j) - m; };
  const auto exp_at = [&](std::size_t j) { return scaled_exp(row.load(j), m); };
  const RowSums<A> sums = sum_exps<A>(row.n, max.index, row.target, exp_at);
  write_softmax_family(op, row, m, sums, exp_at, diff_at);
}

// buffer: n accumulator values, the output row itself for f32/f64 (see above).
template <class E>
void three_pass_reload_row(Op op, const Row<E>& row, typename E::acc* buffer) {
  using A = typename E::acc;
  const RowMax<A> max = find_max(row);
  if (const auto special = special_logsumexp(max.has_nan, max.value))
    return write_special(op, row, *special);
  const A m = max.value;
  const bool store_diff = op == Op::log_softmax;
  const auto store_and_exp = [&](std::size_t j) {
    const A x = row.load(j);
    const A e = scaled_exp(x, m);
    buffer[j] = store_diff ? x - m : e;
    return e;
  };
  const RowSums<A> sums = sum_exps<A>(row.n, max.index, row.target, store_and_exp);
  buffer[max.index] = store_diff ? A(0) : kScale<A>;  // skipped by sum_exps: x_a - m = 0
  const auto reload = [&](std::size_t j) { return buffer[j]; };
  write_softmax_family(op, row, m, sums, reload, reload);
}

// The reload buffer of a row: the output row when it can hold accumulator values, else
// `scratch` (at least n values).
template <class E>
typename E::acc* reload_buffer(const Row<E>& row, [[maybe_unused]] typename E::acc* scratch) {
  if constexpr (std::is_same_v<typename E::storage, typename E::acc>) {
    return row.out;
  } else {
    return scratch;
  }
}

}  // namespace softcheck::kernels
