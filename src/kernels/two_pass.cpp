// Two-pass softmax (Dukhan & Ablavatski 2020, "The two-pass softmax algorithm"): exp(x_j)
// as a pair (mantissa m_j, exponent n_j) (exp_pair.hpp), so no max pass is needed.
//   pass 1: the pair of the (first) maximum logit x_a is kept apart as the "1"; every other
//           pair is added into a pair sum (rescaled to the larger exponent), so
//           sum_j exp(x_j) = m_a*2^n_a * (1 + s), s = (rest sum) / (m_a*2^n_a).
//   pass 2: softmax_j = (m_j * (1 / (m_a*(1 + s)))) * 2^(n_j - n_a), one rounding into the
//           subnormals; log_softmax_j = (x_j - x_a) - log1p(s); logsumexp = x_a + log1p(s);
//           cross-entropy as row.hpp, with the target's gradient summed directly.
//
// Accuracy: exp is evaluated at x_j itself, so there is no |x_j - max| amplification; the
// price is the polynomial's relative error (<= 9.2e-8 = 1.54 u for f32) in both m_j and m_a.
// Measured against long double (tests/unit/kernels_accuracy.cpp): f32 softmax/gradient
// <= 5 ulps, f64 <= 3 ulps, log_softmax/loss/logsumexp as three-pass; bf16/f16 within
// 0.51 ulp.
// Valid range: logits in [-kRange, kRange] (2^12 for float accumulation, 2^20 for double)
// or -inf. A row with a finite logit outside it is computed by three-pass-recompute instead
// (the pass-1 pairs would be clamped); NaN and +inf rows follow the special-value table of
// row.hpp, checked before that fallback.
#include <cmath>

#include "kernels/builtin.hpp"
#include "kernels/exp_pair.hpp"
#include "kernels/row.hpp"
#include "kernels/three_pass.hpp"

namespace softcheck::kernels {
namespace {

template <class E>
void write_two_pass_softmax(const Row<E>& row, ExpPair<typename E::acc> top,
                            typename E::acc s) {
  const typename E::acc inverse = 1 / (top.mantissa * (1 + s));
  for (std::size_t j = 0; j < row.n; ++j) {
    const auto p = exp_pair(row.load(j));
    row.store(j, scale_by_pow2(p.mantissa * inverse, p.exponent - top.exponent));
  }
}

template <class E>
void write_two_pass_cross_entropy(const Row<E>& row, typename E::acc m,
                                  ExpPair<typename E::acc> top, typename E::acc s) {
  using A = typename E::acc;
  const std::size_t y = row.target;
  const A x_y = row.load(y);
  row.set_result((m - x_y) + std::log1p(s));
  const A sum = top.mantissa * (1 + s);  // sum_j exp(x_j) / 2^n_a
  const A inverse = 1 / sum;
  A others = 0;  // sum_{j != y} exp(x_j) / 2^n_a
  for (std::size_t j = 0; j < row.n; ++j) {
    if (j == y) continue;
    const auto p = exp_pair(row.load(j));
    const A shift = p.exponent - top.exponent;
    row.store(j, scale_by_pow2(p.mantissa * inverse, shift));
    others += scale_by_pow2(p.mantissa, shift);
  }
  row.store(y, x_y == -kInf<A> ? A(-1) : -others / sum + A(0));  // +0, not -0, for n = 1
}

template <class E>
void two_pass_row(Op op, const Row<E>& row) {
  using A = typename E::acc;
  constexpr A kRange = ExpConstants<A>::kRange;
  A m = -kInf<A>;
  ExpPair<A> top = kZeroPair<A>;   // exp of the maximum
  ExpPair<A> rest = kZeroPair<A>;  // sum of the other exps
  bool has_nan = false;
  bool out_of_range = false;
  for (std::size_t j = 0; j < row.n; ++j) {
    const A x = row.load(j);
    const ExpPair<A> p = exp_pair(x);
    if (x > m) {
      add_pair(rest, top);
      top = p;
      m = x;
    } else {
      add_pair(rest, p);
    }
    has_nan |= std::isnan(x);
    out_of_range |= x > kRange || (x < -kRange && x != -kInf<A>);
  }
  if (const auto special = special_logsumexp(has_nan, m)) return write_special(op, row, *special);
  if (out_of_range) return three_pass_recompute_row(op, row);
  const A s = scale_by_pow2(rest.mantissa / top.mantissa, rest.exponent - top.exponent);
  switch (op) {
    case Op::softmax: return write_two_pass_softmax(row, top, s);
    case Op::log_softmax:
      return write_log_softmax(row, s, [&](std::size_t j) { return row.load(j) - m; });
    case Op::logsumexp: return write_logsumexp(row, m, s);
    case Op::cross_entropy: return write_two_pass_cross_entropy(row, m, top, s);
  }
}

}  // namespace

KernelFn make_two_pass(Op op, Format format) {
  return visit_format(
      format, [op]<class E>(E) -> KernelFn { return row_kernel<E>(op, &two_pass_row<E>); });
}

}  // namespace softcheck::kernels
