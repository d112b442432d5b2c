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
// error does not grow with n; scaled by kScale, so tiny terms keep their precision) and
// e_y = exp(x_y - m) apart, and form s = q + e_y and sum_{j != y} = q (y = a) or 1 + q
// (y != a): numerator and denominator share the rounding errors of q, and a masked target
// gets exactly -1.
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

#include "fp/compensated_sum.hpp"
#include "fp/constants.hpp"
#include "fp/two_sum.hpp"
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
  // a + b rounded once into storage (element.hpp's store_sum): the log-type outputs.
  void store_sum(std::size_t i, A a, A b) const { out[i] = E::store_sum(a, b); }
  void set_result_sum(A a, A b) const { *result = E::store_sum(a, b); }
};

// Whether some x_j of the row is finite and below m.
template <class E>
bool has_finite_below(const Row<E>& row, typename E::acc m) {
  for (std::size_t j = 0; j < row.n; ++j) {
    const auto x = row.load(j);
    if (x < m && x > -fp::kInf<typename E::acc>) return true;
  }
  return false;
}

// L = log1p(s) as the log-type outputs add it ((x_j - m) - L, m + L, (m - x_y) + L). For a
// narrow format, where s underflowed to 0 in float (every other logit at least 103.97 below
// m, exp's underflow) although some of them is finite, the exact L is positive but below
// 2^-149, and store_sum's rounding to odd must see which side of x_j - m the exact output
// lies on: 2^-149 stands in for it (both lie below the float ulp of every |x_j - m| >= 103.97,
// so they give the same odd sum). Without a finite one (the others masked) L is exactly 0.
template <class E>
typename E::acc log_term(const Row<E>& row, typename E::acc m, typename E::acc s) {
  using A = typename E::acc;
  if constexpr (E::narrow) {
    if (s == 0 && has_finite_below(row, m)) return std::numeric_limits<A>::denorm_min();
  }
  return std::log1p(s);
}

// Writes the outputs of a row whose logsumexp is the special value `logsumexp` (NaN, +inf or
// -inf): every vector output NaN, the loss NaN.
template <class E>
void write_special(Op op, const Row<E>& row, typename E::acc logsumexp) {
  using A = typename E::acc;
  if (op == Op::logsumexp) return row.set_result(logsumexp);
  if (has_loss(op)) row.set_result(fp::kNaN<A>);
  for (std::size_t i = 0; i < row.n; ++i) row.store(i, fp::kNaN<A>);
}

// The special logsumexp of a row that contains a NaN, a +inf or only -inf, given whether it
// has a NaN and its maximum over the other elements; nothing for an ordinary row.
template <class A>
std::optional<A> special_logsumexp(bool has_nan, A max) {
  if (has_nan) return fp::kNaN<A>;
  if (max == fp::kInf<A> || max == -fp::kInf<A>) return max;
  return std::nullopt;
}

// Runs row_fn(row) on every row of the call. Empty rows and loss rows (cross-entropy,
// StableMax cross-entropy) with a target
// outside [0, n) get the special outputs here (logsumexp -inf; loss and gradient NaN).
template <class E, class RowFn>
void run_rows(Op op, const KernelCall& call, RowFn&& row_fn) {
  using T = typename E::storage;
  using A = typename E::acc;
  const auto* x = static_cast<const T*>(call.x);
  auto* out = static_cast<T*>(call.out);
  // The op table's answers, looked up once per call, not per row (short rows are many).
  const bool row_output = has_row_output(op), with_loss = has_loss(op);
  for (std::size_t r = 0; r < call.rows; ++r) {
    Row<E> row;
    row.x = x + r * call.stride;
    row.n = call.n;
    if (row_output) {
      row.result = out + r;
    } else {
      row.out = out + r * call.stride;
      if (with_loss) row.result = static_cast<T*>(call.loss) + r;
    }
    if (call.n == 0) {
      write_special(op, row, -fp::kInf<A>);
      continue;
    }
    if (with_loss) {
      const std::int64_t target = call.target[r];
      if (target < 0 || static_cast<std::size_t>(target) >= call.n) {
        write_special(op, row, fp::kNaN<A>);
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
  A value = -fp::kInf<A>;
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

// Exponentials relative to the maximum are carried scaled by kScale = 2^40: a term that
// would be subnormal stays normal (in float down to exp(x_j - m) = 2^-166), so a sum of many
// tiny terms is not rounded onto the subnormal grid term by term, and every result is scaled
// back by its last rounding. 2^40 keeps n times a product of two scaled terms (n * 2^80)
// below the float overflow threshold.
inline constexpr int kScaleExponent = 40;
template <class A>
inline constexpr A kScale = A(0x1p40);
template <class A>
inline constexpr A kUnscale = A(0x1p-40);

// 40 ln 2 = kHi + kLo + O(2^-48 kHi).
template <class A>
struct ScaleLog;
template <>
struct ScaleLog<float> {
  static constexpr float kHi = 0x1.BB9D3Cp+4f;    // RN_single(40 ln 2)
  static constexpr float kLo = -0x1.473794p-24f;  // RN_single(40 ln 2 - kHi)
};
template <>
struct ScaleLog<double> {
  static constexpr double kHi = 0x1.BB9D3BEB8C86Bp+4;   // RN_double(40 ln 2)
  static constexpr double kLo = 0x1.6BC5CA07E04F0p-55;  // RN_double(40 ln 2 - kHi)
};

// kScale * exp(a - b) for a <= b (b finite), without the |a - b| * u relative error that
// rounding d = a - b would cost: TwoSum gives that rounding error t exactly, and
// exp(a - b) = exp(d) * exp(t) = exp(d) + exp(d) * t up to t^2/2 <= u^2 (a - b)^2 / 8.
// Where exp(d) would be subnormal the argument is shifted by 40 ln 2 instead of scaling the
// result (the same correction covers the shift's rounding). Masked (a = -inf) or vanishing
// terms give +0.
template <class A>
A scaled_exp(A a, A b) {
  const A d = a - b;
  const A t = fp::two_sum_error(a, -b, d);
  const A e = std::exp(d);
  if (e >= std::numeric_limits<A>::min()) return (e + e * t) * kScale<A>;
  const A shifted = d + ScaleLog<A>::kHi;
  const A e_shifted = std::exp(shifted);
  if (e_shifted == 0) return e_shifted;
  const A correction =
      t + fp::two_sum_error(d, ScaleLog<A>::kHi, shifted) + ScaleLog<A>::kLo;
  return e_shifted + e_shifted * correction;
}

// The sums of a row relative to its maximum: s = sum_{j != a} exp(x_j - m) and, for
// cross-entropy, others = kScale * sum_{j != y} exp(x_j - m), both from the scaled q (sum
// over j not in {a, y}) and e_y (0 when y = a or there is no target).
template <class A>
struct RowSums {
  A s;
  A others_scaled;
};

template <class A>
RowSums<A> row_sums(A q_scaled, A e_y_scaled, bool target_is_max) {
  return {(q_scaled + e_y_scaled) * kUnscale<A>, target_is_max ? q_scaled : kScale<A> + q_scaled};
}

// The cross-entropy gradient at the target, -(sum_{j != y} exp(x_j - m)) / (1 + s); one
// rounding into the subnormals, exactly -1 for a masked target (others = kScale * (1 + s)),
// and +0 rather than -0 for a one-element row.
template <class A>
A target_gradient(RowSums<A> sums) {
  return -(sums.others_scaled / (1 + sums.s)) * kUnscale<A> + A(0);
}

// RowSums of the scaled terms exp_at(j) = kScale * exp(x_j - m), in index order, given the
// argmax a.
template <class A, class ExpAt>
RowSums<A> sum_exps(std::size_t n, std::size_t a, std::size_t y, ExpAt&& exp_at) {
  fp::CompensatedSum<A> q;
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
// exp_at(j) = kScale * exp(x_j - m) (scaled_exp) and diff_at(j) = x_j - m, recomputed or
// reloaded by the caller.

template <class E, class ExpAt>
void write_softmax(const Row<E>& row, typename E::acc s, ExpAt&& exp_at) {
  const typename E::acc inverse = kUnscale<typename E::acc> / (1 + s);
  for (std::size_t j = 0; j < row.n; ++j) row.store(j, exp_at(j) * inverse);
}

template <class E, class DiffAt>
void write_log_softmax(const Row<E>& row, typename E::acc m, typename E::acc s,
                       DiffAt&& diff_at) {
  const typename E::acc log_sum = log_term(row, m, s);
  for (std::size_t j = 0; j < row.n; ++j) row.store_sum(j, diff_at(j), -log_sum);
}

template <class E>
void write_logsumexp(const Row<E>& row, typename E::acc m, typename E::acc s) {
  row.set_result_sum(m, log_term(row, m, s));
}

template <class E, class ExpAt>
void write_cross_entropy(const Row<E>& row, typename E::acc m, RowSums<typename E::acc> sums,
                         ExpAt&& exp_at) {
  using A = typename E::acc;
  const std::size_t y = row.target;
  row.set_result_sum(m - row.load(y), log_term(row, m, sums.s));
  const A inverse = kUnscale<A> / (1 + sums.s);
  for (std::size_t j = 0; j < row.n; ++j)
    if (j != y) row.store(j, exp_at(j) * inverse);
  row.store(y, target_gradient(sums));
}

// The softmax-family op's outputs of a row from its max m, its sums, the scaled exps
// (exp_at) and the differences x_j - m (diff_at): the last pass of the three-pass and online
// kernels.
template <class E, class ExpAt, class DiffAt>
void write_softmax_family(Op op, const Row<E>& row, typename E::acc m,
                          RowSums<typename E::acc> sums, ExpAt&& exp_at, DiffAt&& diff_at) {
  if (op == Op::softmax) return write_softmax(row, sums.s, exp_at);
  if (op == Op::log_softmax) return write_log_softmax(row, m, sums.s, diff_at);
  if (op == Op::logsumexp) return write_logsumexp(row, m, sums.s);
  if (op == Op::cross_entropy) return write_cross_entropy(row, m, sums, exp_at);
}

}  // namespace softcheck::kernels
