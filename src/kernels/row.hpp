// Pieces shared by the built-in kernels: one row of a KernelCall, the loop over rows, the
// special-value table, and the output writers built on the "1 + s" representation.
//
// "1 + s": with m = max x and a its first index, s = sum_{j != a} exp(x_j - m), so that
// sum_j exp(x_j - m) = 1 + s exactly (exp(x_a - m) = 1). Then
//   softmax_i     = exp(x_i - m) / (1 + s)
//   log_softmax_i = (x_i - m) - log1p(s)
//   logsumexp     = m + log1p(s)
//   ce loss       = (m - x_y) + log1p(s)
//   ce gradient   = softmax_i for i != y, and -(sum_{j != y} exp(x_j - m)) / (1 + s) at y,
//                   summed directly (softmax_y - 1 would cancel for confident rows).
// The algorithms accumulate q = sum_{j not in {a, y}} exp(x_j - m) (compensated, so its
// error does not grow with n) and e_y = exp(x_y - m) apart and form s = q + e_y, and sum_{j != y} =
// q (y = a) or 1 + q (y != a): numerator and denominator share the rounding errors of q, and a
// masked target gets exactly -1.
//
// Special values (every kernel but naive), README "Special values":
//   row              | softmax   | log_softmax | logsumexp | ce loss | ce gradient
//   empty (n = 0)    | -         | -           | -inf      | NaN     | -
//   any NaN          | NaN       | NaN         | NaN       | NaN     | NaN
//   any +inf, no NaN | NaN       | NaN         | +inf      | NaN     | NaN
//   all -inf         | NaN       | NaN         | -inf      | NaN     | NaN
//   some -inf        | +0 there  | -inf there  | finite    | +inf if the target is masked
//                    |           |             |           | (gradient -1 there), else finite
// The empty row and an out-of-range target (loss and gradient NaN) are handled for every
// kernel, naive included, by run_rows.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

#include "kernels/compensated_sum.hpp"
#include "kernels/element.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::kernels {

inline constexpr std::size_t kNoTarget = static_cast<std::size_t>(-1);

// One row of a call, in the storage type of E.
template <class E>
struct Row {
  using T = typename E::storage;
  using A = typename E::acc;
  const T* x = nullptr;
  T* out = nullptr;     // n outputs (softmax, log_softmax, gradient); null for logsumexp
  T* result = nullptr;  // the row's scalar (logsumexp, or the loss); null otherwise
  std::size_t n = 0;
  std::size_t target = kNoTarget;  // the cross-entropy class; kNoTarget for the other ops

  A load(std::size_t i) const { return E::load(x[i]); }
  void store(std::size_t i, A v) const { out[i] = E::store(v); }
  void set_result(A v) const { *result = E::store(v); }
};

template <class A>
inline constexpr A kInf = std::numeric_limits<A>::infinity();
template <class A>
inline constexpr A kNaN = std::numeric_limits<A>::quiet_NaN();

// Writes the outputs of a row whose logsumexp is the special value `logsumexp` (NaN, +inf or
// -inf): every vector output NaN, the loss NaN.
template <class E>
void write_special(Op op, const Row<E>& row, typename E::acc logsumexp) {
  using A = typename E::acc;
  if (op == Op::logsumexp) return row.set_result(logsumexp);
  if (op == Op::cross_entropy) row.set_result(kNaN<A>);
  for (std::size_t i = 0; i < row.n; ++i) row.store(i, kNaN<A>);
}

// The special logsumexp of a row that contains a NaN, a +inf or only -inf, given whether it
// has a NaN and its maximum over the other elements; nothing for an ordinary row.
template <class A>
std::optional<A> special_logsumexp(bool has_nan, A max) {
  if (has_nan) return kNaN<A>;
  if (max == kInf<A> || max == -kInf<A>) return max;
  return std::nullopt;
}

// Runs row_fn(row) on every row of the call. Empty rows and cross-entropy rows with a target
// outside [0, n) get the special outputs here (logsumexp -inf; loss and gradient NaN).
template <class E, class RowFn>
void run_rows(Op op, const KernelCall& call, RowFn&& row_fn) {
  using T = typename E::storage;
  using A = typename E::acc;
  const auto* x = static_cast<const T*>(call.x);
  auto* out = static_cast<T*>(call.out);
  for (std::size_t r = 0; r < call.rows; ++r) {
    Row<E> row;
    row.x = x + r * call.stride;
    row.n = call.n;
    if (op == Op::logsumexp) {
      row.result = out + r;
    } else {
      row.out = out + r * call.stride;
      if (op == Op::cross_entropy) row.result = static_cast<T*>(call.loss) + r;
    }
    if (call.n == 0) {
      write_special(op, row, -kInf<A>);
      continue;
    }
    if (op == Op::cross_entropy) {
      const std::int64_t target = call.target[r];
      if (target < 0 || static_cast<std::size_t>(target) >= call.n) {
        write_special(op, row, kNaN<A>);
        continue;
      }
      row.target = static_cast<std::size_t>(target);
    }
    row_fn(row);
  }
}

// A KernelFn that runs row_fn(op, row) on every row of a call.
template <class E, class RowFn>
KernelFn row_kernel(Op op, RowFn row_fn) {
  return [op, row_fn](const KernelCall& call) {
    run_rows<E>(op, call, [&](const Row<E>& row) { row_fn(op, row); });
  };
}

// Pass 1 of the three-pass kernels: the maximum, its first index, and whether a NaN was seen
// (a comparison-based max drops NaNs, so they are tracked separately).
template <class A>
struct RowMax {
  A value = -kInf<A>;
  std::size_t index = 0;
  bool has_nan = false;
};

template <class E>
RowMax<typename E::acc> find_max(const Row<E>& row) {
  RowMax<typename E::acc> max;
  for (std::size_t i = 0; i < row.n; ++i) {
    const auto v = row.load(i);
    if (v > max.value) max.value = v, max.index = i;
    max.has_nan |= std::isnan(v);
  }
  return max;
}

// exp(a - b) for a <= b (b finite), without the |a - b| * u relative error that rounding
// d = a - b would cost: TwoSum gives that rounding error t exactly (a - b = d + t), and
// exp(a - b) = exp(d) * exp(t) = exp(d) + exp(d) * t up to t^2/2 <= u^2 * (a - b)^2 / 8.
// Masked (a = -inf) or underflowing terms give +0.
template <class A>
A exp_difference(A a, A b) {
  const A d = a - b;
  const A a_part = d + b;
  const A b_part = a_part - d;
  const A t = (a - a_part) - (b - b_part);
  const A e = std::exp(d);
  return e == 0 ? e : e + e * t;
}

// The sums of a row relative to its maximum: s = sum_{j != a} exp(x_j - m) and, for
// cross-entropy, others = sum_{j != y} exp(x_j - m), both from q = sum over j not in {a, y}
// and e_y (0 when y = a or there is no target).
template <class A>
struct RowSums {
  A s;
  A others;
};

template <class A>
RowSums<A> row_sums(A q, A e_y, bool target_is_max) {
  return {q + e_y, target_is_max ? q : 1 + q};
}

// RowSums of the terms exp_at(j) = exp(x_j - m), in index order, given the argmax a.
template <class A, class ExpAt>
RowSums<A> sum_exps(std::size_t n, std::size_t a, std::size_t y, ExpAt&& exp_at) {
  CompensatedSum<A> q;
  A e_y = 0;
  for (std::size_t j = 0; j < n; ++j) {
    if (j == a) continue;
    const A e = exp_at(j);
    if (j == y) {
      e_y = e;
    } else {
      q.add(e);
    }
  }
  return row_sums(q.value(), e_y, a == y);
}

// Output writers for an ordinary row (finite max m, s = sum_{j != argmax} exp(x_j - m)).
// exp_at(j) = exp(x_j - m) (exp_difference) and diff_at(j) = x_j - m, recomputed or
// reloaded by the caller.

template <class E, class ExpAt>
void write_softmax(const Row<E>& row, typename E::acc s, ExpAt&& exp_at) {
  const typename E::acc inverse = 1 / (1 + s);
  for (std::size_t j = 0; j < row.n; ++j) row.store(j, exp_at(j) * inverse);
}

template <class E, class DiffAt>
void write_log_softmax(const Row<E>& row, typename E::acc s, DiffAt&& diff_at) {
  const typename E::acc log_sum = std::log1p(s);
  for (std::size_t j = 0; j < row.n; ++j) row.store(j, diff_at(j) - log_sum);
}

template <class E>
void write_logsumexp(const Row<E>& row, typename E::acc m, typename E::acc s) {
  row.set_result(m + std::log1p(s));
}

template <class E, class ExpAt>
void write_cross_entropy(const Row<E>& row, typename E::acc m, RowSums<typename E::acc> sums,
                         ExpAt&& exp_at) {
  using A = typename E::acc;
  const std::size_t y = row.target;
  row.set_result((m - row.load(y)) + std::log1p(sums.s));
  const A sum = 1 + sums.s;
  const A inverse = 1 / sum;
  for (std::size_t j = 0; j < row.n; ++j)
    if (j != y) row.store(j, exp_at(j) * inverse);
  // + 0 turns the -0 of a one-element row into the exact result's +0.
  row.store(y, -sums.others / sum + A(0));
}

}  // namespace softcheck::kernels
