// StableMax building blocks (Prieto et al. 2025): s(x) = x + 1 for x >= 0, 1 / (1 - x) for
// x < 0, kept as a pair (mantissa, exponent), and the row sum S = sum_j s(x_j) split as
// s(x_a) + R, a the first maximum, R the sum of the others (as row.hpp's "1 + s").
//
// Pairs: s(x) = mu * 2^e with mu in [1/2, 1]. x + 1 is rounded once and split exactly
// (frexp); 1 / (1 - x) is formed as (1/2) / m * 2^(1-e) from 1 - x = m * 2^e, two roundings.
// So s never overflows (max + 1 rounds to max) and never becomes subnormal (1 / (1 + max)
// would be, in both formats), and R, kept in units of 2^(e_a), stays below n.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <optional>

#include "fp/constants.hpp"
#include "kernels/row.hpp"

namespace softcheck::kernels {

template <class A>
struct Pair {
  A mu;   // in [1/2, 1]
  int e;  // value = mu * 2^e
};

// s(x) for a finite x.
template <class A>
Pair<A> stablemax_pair(A x) {
  int e = 0;
  if (x >= 0) {
    const A m = std::frexp(x + 1, &e);
    return {m, e};
  }
  const A m = std::frexp(1 - x, &e);
  return {A(0.5) / m, 1 - e};
}

// The row sum of pass 1, in units of 2^(e_a): S = (mu_a + r) * 2^(e_a).
template <class A>
struct StableSum {
  std::size_t a = 0;  // first maximum
  Pair<A> max{};      // s(x_a)
  A r = 0;            // R / 2^(e_a) = sum over the other finite entries
  A total() const { return max.mu + r; }  // S / 2^(e_a), in [1/2, n]
};

// Pass 1: the sum, tracking the first maximum (s is increasing, so it is the maximum of x);
// masked entries (-inf, s = 0) are skipped. Nothing for a row with a NaN or +inf (NaN
// outputs: inf / inf) or with every entry masked (0 / 0).
template <class E>
std::optional<StableSum<typename E::acc>> stable_sum(const Row<E>& row) {
  using A = typename E::acc;
  StableSum<A> sum;
  A x_max = -fp::kInf<A>;
  bool any = false;
  for (std::size_t j = 0; j < row.n; ++j) {
    const A x = row.load(j);
    if (std::isnan(x) || x == fp::kInf<A>) return std::nullopt;
    if (x == -fp::kInf<A>) continue;
    const Pair<A> s = stablemax_pair(x);
    if (!any) {
      sum.a = j, sum.max = s, x_max = x, any = true;
    } else if (x > x_max) {  // the old maximum joins R, rescaled to the new unit (exact)
      sum.r = std::ldexp(sum.r + sum.max.mu, sum.max.e - s.e);
      sum.a = j, sum.max = s, x_max = x;
    } else {
      sum.r += std::ldexp(s.mu, s.e - sum.max.e);
    }
  }
  if (!any) return std::nullopt;
  return sum;
}

// Pass 2, for a finite x_j with pair s = s(x_j):

// stablemax_j = s_j / S.
template <class A>
A stablemax_value(const StableSum<A>& sum, Pair<A> s) {
  return std::ldexp(s.mu / sum.total(), s.e - sum.max.e);
}

// Beyond this many binades between S and s_j, log(S / s_j) is taken as a sum (its ratio
// would overflow); it is then at least 44 (float) or 354 (double), so nothing cancels.
template <class A>
inline constexpr int kLogSplitBinades = std::numeric_limits<A>::max_exponent / 2;

// L_j = -log stablemax_j = log(S / s_j) >= 0: log1p(R / s_a) at the maximum (no
// cancellation near 0), log of S / s_j >= 2 elsewhere.
template <class A>
A neg_log_stablemax(const StableSum<A>& sum, std::size_t j, Pair<A> s) {
  if (j == sum.a) return std::log1p(sum.r / sum.max.mu);
  const A ratio = sum.total() / s.mu;  // S / s_j = ratio * 2^shift
  const int shift = sum.max.e - s.e;
  if (shift <= kLogSplitBinades<A>) return std::log(std::ldexp(ratio, shift));
  return std::log(ratio) + static_cast<A>(shift) * std::numbers::ln2_v<A>;
}

// The StCE gradient at j != target: s'(x_j) / S, with s' = 1 (x >= 0) or s^2 (x < 0),
// the latter as s_j * (s_j / S) so that s_j^2 cannot underflow on its own.
template <class A>
A stablemax_ce_gradient(const StableSum<A>& sum, A x, Pair<A> s) {
  if (x >= 0) return std::ldexp(1 / sum.total(), -sum.max.e);
  return std::ldexp(s.mu * (s.mu / sum.total()), 2 * s.e - sum.max.e);
}

// The StCE gradient at the target: s'/S - s'/s = -(T / S) / (1 + |x_y|), T = S - s_y,
// as R / S at the maximum and 1 - stablemax_y (>= 1/2) elsewhere.
template <class A>
A stablemax_ce_target_gradient(const StableSum<A>& sum, std::size_t y, A x, Pair<A> s) {
  const A others = y == sum.a ? sum.r / sum.total() : 1 - stablemax_value(sum, s);
  return -(others / (1 + std::fabs(x)));
}

}  // namespace softcheck::kernels
