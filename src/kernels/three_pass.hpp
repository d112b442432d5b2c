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
// Accuracy (working precision = the accumulator's; u = its unit roundoff): exp(x_i - m)
// inherits the rounding of x_i - m, a relative error up to |x_i - m|*u (the contract's gap
// term), plus exp (< 1 ulp), the sum (recursive, <= (n-1)*u relative on s), one reciprocal
// and one product. Measured against long double (tests/unit/kernels_accuracy.cpp): f32 and
// f64 softmax/gradient <= 3 ulps + gap on normal rows, log_softmax and the loss <= 2 ulps,
// logsumexp <= 2 ulps of the row's scale; bf16/f16 within 0.51 ulp (one rounding of an
// f32 result). Valid for every finite input; special values as in row.hpp.
// Known limit: when sum_{j != y} exp(x_j - m) is subnormal (target = argmax, gap > 87 in
// f32), the target's gradient carries up to (n-1)/2 units of the smallest subnormal.
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
  const auto exp_at = [&](std::size_t j) { return exp_difference(row.load(j), m); };
  const A s = sum_except<A>(row.n, max.index, exp_at);
  switch (op) {
    case Op::softmax: return write_softmax(row, s, exp_at);
    case Op::log_softmax: return write_log_softmax(row, s, diff_at);
    case Op::logsumexp: return write_logsumexp(row, m, s);
    case Op::cross_entropy: return write_cross_entropy(row, m, s, exp_at);
  }
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
  A s = 0;
  for (std::size_t j = 0; j < row.n; ++j) {
    const A x = row.load(j);
    const A e = exp_difference(x, m);
    buffer[j] = store_diff ? x - m : e;
    if (j != max.index) s += e;
  }
  const auto reload = [&](std::size_t j) { return buffer[j]; };
  switch (op) {
    case Op::softmax: return write_softmax(row, s, reload);
    case Op::log_softmax: return write_log_softmax(row, s, reload);
    case Op::logsumexp: return write_logsumexp(row, m, s);
    case Op::cross_entropy: return write_cross_entropy(row, m, s, reload);
  }
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
