// Unevaluated sums hi + lo (double-word numbers) for the loss-family kernels: differences
// and products whose rounding errors are kept (TwoSum, FMA), so that an exponential of a
// large argument costs no |argument| * u relative error (exp(hi + lo) = exp(hi) (1 + lo)
// up to lo^2 / 2).
#pragma once

#include <cmath>

#include "kernels/row.hpp"

namespace softcheck::kernels {

template <class A>
struct DoubleWord {
  A hi;
  A lo;
};

// a - b exactly (for finite a, b whose difference does not overflow).
template <class A>
DoubleWord<A> difference(A a, A b) {
  const A d = a - b;
  return {d, two_sum_error(a, -b, d)};
}

// a + b, a double-word plus a working-precision number, renormalised.
template <class A>
DoubleWord<A> plus(DoubleWord<A> a, A b) {
  const A s = a.hi + b;
  return {s, two_sum_error(a.hi, b, s) + a.lo};
}

// a - b for two double-words.
template <class A>
DoubleWord<A> minus(DoubleWord<A> a, DoubleWord<A> b) {
  const A s = a.hi - b.hi;
  return {s, two_sum_error(a.hi, -b.hi, s) + (a.lo - b.lo)};
}

// c * a for a working-precision c (the product's rounding error recovered by FMA).
template <class A>
DoubleWord<A> times(A c, DoubleWord<A> a) {
  const A p = c * a.hi;
  if (!std::isfinite(p)) return {p, 0};
  return {p, std::fma(c, a.hi, -p) + c * a.lo};
}

// exp(a.hi + a.lo) and expm1(a.hi + a.lo), first order in a.lo.
template <class A>
A exp_of(DoubleWord<A> a) {
  const A e = std::exp(a.hi);
  return std::isfinite(e) ? e + e * a.lo : e;
}
template <class A>
A expm1_of(DoubleWord<A> a) {
  const A e = std::expm1(a.hi);
  return std::isfinite(e) ? e + (e + 1) * a.lo : e;
}

}  // namespace softcheck::kernels
