// Unevaluated sums hi + lo (double-word numbers, fp::DoubleWord) for the loss-family kernels:
// differences and products whose rounding errors are kept (TwoSum, FMA: fp/two_sum.hpp), so
// that an exponential of a large argument costs no |argument| * u relative error
// (exp(hi + lo) = exp(hi) (1 + lo) up to lo^2 / 2). First order, no proven bound: the
// kernels' contracts (not the reference's budgets) cover them.
#pragma once

#include <cmath>

#include "fp/two_sum.hpp"

namespace softcheck::kernels {

// a - b exactly (for finite a, b whose difference does not overflow).
template <class A>
fp::DoubleWord<A> difference(A a, A b) {
  const A d = a - b;
  return {d, fp::two_sum_error(a, -b, d)};
}

// a + b, a double-word plus a working-precision number, renormalised.
template <class A>
fp::DoubleWord<A> plus(fp::DoubleWord<A> a, A b) {
  const A s = a.hi + b;
  return {s, fp::two_sum_error(a.hi, b, s) + a.lo};
}

// a - b for two double-words.
template <class A>
fp::DoubleWord<A> minus(fp::DoubleWord<A> a, fp::DoubleWord<A> b) {
  const A s = a.hi - b.hi;
  return {s, fp::two_sum_error(a.hi, -b.hi, s) + (a.lo - b.lo)};
}

// c * a for a working-precision c (the product's rounding error recovered by FMA).
template <class A>
fp::DoubleWord<A> times(A c, fp::DoubleWord<A> a) {
  const A p = c * a.hi;
  if (!std::isfinite(p)) return {p, 0};
  return {p, std::fma(c, a.hi, -p) + c * a.lo};
}

// exp(a.hi + a.lo) and expm1(a.hi + a.lo), first order in a.lo.
template <class A>
A exp_of(fp::DoubleWord<A> a) {
  const A e = std::exp(a.hi);
  return std::isfinite(e) ? e + e * a.lo : e;
}
template <class A>
A expm1_of(fp::DoubleWord<A> a) {
  const A e = std::expm1(a.hi);
  return std::isfinite(e) ? e + (e + 1) * a.lo : e;
}

}  // namespace softcheck::kernels
