// Two-pass softmax (Dukhan & Ablavatski 2020, "The two-pass softmax algorithm"): exp(x_j)
// as a pair (mantissa m_j, exponent n_j) (exp_pair.hpp), so no max pass is needed.
//   pass 1: the pair of the (first) maximum logit x_a is kept apart as the "1"; every other
//           pair is added into a pair sum (rescaled to the larger exponent), so
//           sum_j exp(x_j) = m_a*2^n_a * (1 + s), s = (rest sum) / (m_a*2^n_a); the
//           cross-entropy target's pair is kept apart too (row.hpp, RowSums).
//   pass 2: softmax_j = (m_j * (1 / (m_a*(1 + s)))) * 2^(n_j - n_a), one rounding into the
//           subnormals; log_softmax_j = (x_j - x_a) - log1p(s); logsumexp = x_a + log1p(s);
//           cross-entropy as row.hpp, with the target's gradient summed directly.
//
// Accuracy: exp is evaluated at x_j itself, so there is no |x_j - max| amplification; the
// price is the polynomial's relative error (<= 1.51e-7 = 2.53 u as evaluated in float,
// proofs/exp-poly-f32.md) in each m_j. The maximum's own pair is recomputed after pass 1
// with the C library's exp (exp_pair_accurate), so every ratio m_j / m_a carries one
// polynomial error, not two. The pair sum is compensated. Measured against long double
// (tests/unit/kernels_accuracy.cpp, 60 000 extra random rows, the deep gate suite): f32
// softmax and cross-entropy <= 5.2 ulps, log_softmax <= 4.2, logsumexp <= 2.7; f64 softmax
// <= 3.8, log_softmax <= 3.1, logsumexp <= 2.1, cross-entropy <= 4.4; bf16/f16 <= 0.5 ulp +
// 2^-13. Subnormal outputs are rounded once, and the sums stay pairs.
// Valid range: logits in [-kRange, kRange] (2^12 for float accumulation, 2^20 for double)
// or -inf. A row with a finite logit outside it is computed by three-pass-recompute instead
// (the pass-1 pairs would be clamped); NaN and +inf rows follow the special-value table of
// row.hpp, checked before that fallback.
#include <cmath>

#include "fp/constants.hpp"
#include "kernels/builtin.hpp"
#include "kernels/exp_pair.hpp"
#include "kernels/row.hpp"
#include "kernels/three_pass.hpp"

namespace softcheck::kernels {
namespace {

// Elements equal to the maximum m get 1/(1 + s) itself rather than m_a * (1/(m_a*(1 + s))),
// which can be an ulp off (exactly 1 for a one-element row; ties stay equal either way).
template <class E>
void write_two_pass_softmax(const Row<E>& row, typename E::acc m, ExpPair<typename E::acc> top,
                            typename E::acc s) {
  using A = typename E::acc;
  const A inverse = 1 / (top.mantissa * (1 + s));
  const A at_max = 1 / (1 + s);
  for (std::size_t j = 0; j < row.n; ++j) {
    const A x = row.load(j);
    const auto p = exp_pair(x);
    row.store(j, x == m ? at_max : scale_by_pow2(p.mantissa * inverse, p.exponent - top.exponent));
  }
}

template <class E>
void write_two_pass_cross_entropy(const Row<E>& row, typename E::acc m,
                                  ExpPair<typename E::acc> top, RowSums<typename E::acc> sums) {
  using A = typename E::acc;
  const std::size_t y = row.target;
  row.set_result_sum(m - row.load(y), log_term(row, m, sums.s));
  const A inverse = 1 / (top.mantissa * (1 + sums.s));
  const A at_max = 1 / (1 + sums.s);  // as in write_two_pass_softmax
  for (std::size_t j = 0; j < row.n; ++j) {
    if (j == y) continue;
    const A x = row.load(j);
    const auto p = exp_pair(x);
    row.store(j, x == m ? at_max : scale_by_pow2(p.mantissa * inverse, p.exponent - top.exponent));
  }
  row.store(y, target_gradient(sums));
}

// kScale * pair / top as a number (pair.exponent <= top.exponent), as RowSums expects.
template <class A>
A scaled_ratio(ExpPair<A> pair, ExpPair<A> top) {
  return scale_by_pow2(pair.mantissa / top.mantissa,
                       pair.exponent - top.exponent + A(kScaleExponent));
}

template <class E>
void two_pass_row(Op op, const Row<E>& row) {
  using A = typename E::acc;
  constexpr A kRange = ExpConstants<A>::kRange;
  const std::size_t y = row.target;
  A m = -fp::kInf<A>;
  std::size_t a = 0;                 // index of the maximum (any start: top begins at zero)
  ExpPair<A> top = kZeroPair<A>;     // exp of the maximum
  PairSum<A> rest;                   // sum of the exps of all but the maximum and the target
  ExpPair<A> target = kZeroPair<A>;  // exp of the target while it is not the maximum
  bool has_nan = false;
  bool out_of_range = false;
  for (std::size_t j = 0; j < row.n; ++j) {
    const A x = row.load(j);
    const ExpPair<A> p = exp_pair(x);
    if (x > m) {
      if (a == y) {
        target = top;
      } else {
        rest.add(top);
      }
      top = p;
      m = x;
      a = j;
    } else if (j == y) {
      target = p;
    } else {
      rest.add(p);
    }
    has_nan |= std::isnan(x);
    out_of_range |= x > kRange || (x < -kRange && x != -fp::kInf<A>);
  }
  if (const auto special = special_logsumexp(has_nan, m)) return write_special(op, row, *special);
  if (out_of_range) return three_pass_recompute_row(op, row);
  top = exp_pair_accurate(m);  // the ratios then carry one polynomial error, not two
  const RowSums<A> sums =
      row_sums(scaled_ratio(rest.value(), top), scaled_ratio(target, top), a == y);
  if (op == Op::softmax) {
    return write_two_pass_softmax(row, m, top, sums.s);
  } else if (op == Op::log_softmax) {
    return write_log_softmax(row, m, sums.s, [&](std::size_t j) { return row.load(j) - m; });
  } else if (op == Op::logsumexp) {
    return write_logsumexp(row, m, sums.s);
  } else if (op == Op::cross_entropy) {
    return write_two_pass_cross_entropy(row, m, top, sums);
  }
}

}  // namespace

KernelFn make_two_pass(Op op, Format format) {
  return visit_format(format,
                      [op]<class E>(E) -> KernelFn { return row_kernel<E>(op, &two_pass_row<E>); });
}

}  // namespace softcheck::kernels
