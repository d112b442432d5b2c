// Error-free transformations: a rounded sum or product together with its exact rounding
// error, in the working precision T (float or double; binary, round to nearest). The
// algorithms and their exactness conditions are those of Muller et al., Handbook of
// Floating-Point Arithmetic, 2nd ed. (2018), sections 4.3 and 4.4.
//   two_sum       Knuth's TwoSum (Møller 1965; Knuth, TAOCP vol. 2, 4.2.2, Theorem B): six
//                 operations, no branch; exact for any a, b unless a + b overflows.
//   fast_two_sum  Dekker's FastTwoSum (Numer. Math. 18, 1971): three operations; exact when
//                 the exponent of a is at least that of b, which |a| >= |b| (or a = 0)
//                 guarantees; otherwise lo may be wrong.
//   two_prod      the product's error by one FMA: exact unless a * b overflows or the error
//                 falls below the subnormal grid (e_a + e_b < emin + p - 1; double: -970).
// Underflow never spoils a sum: an addition whose result is subnormal is exact.
// Every function is always inlined, so it is compiled with its caller's flags and never
// exists as a shared out-of-line copy (src/fp/README.md, "Compile flags").
#pragma once

#include <cmath>

namespace softcheck::fp {

// An unevaluated sum hi + lo: a double-word number (|lo| <= ulp(hi) / 2 once normalised), or
// a rounded result and its error.
template <class T>
struct DoubleWord {
  T hi = 0;
  T lo = 0;
};

// The error a + b - sum of sum = RN(a + b), already computed by the caller (TwoSum's last
// five operations). Exact for any a, b unless the sum overflows.
template <class T>
[[gnu::always_inline]] inline T two_sum_error(T a, T b, T sum) {
  const T a_part = sum - b;
  const T b_part = sum - a_part;
  return (a - a_part) + (b - b_part);
}

// a + b = hi + lo exactly, hi = RN(a + b) (Knuth/Møller TwoSum; any a, b, no overflow).
template <class T>
[[gnu::always_inline]] inline DoubleWord<T> two_sum(T a, T b) {
  const T s = a + b;
  return {s, two_sum_error(a, b, s)};
}

// a + b = hi + lo exactly when exponent(a) >= exponent(b), e.g. |a| >= |b| or a = 0
// (Dekker's FastTwoSum; no overflow).
template <class T>
[[gnu::always_inline]] inline DoubleWord<T> fast_two_sum(T a, T b) {
  const T s = a + b;
  return {s, b - (s - a)};
}

// a * b = hi + lo exactly, hi = RN(a * b), lo by FMA (no overflow, no underflow of lo).
// std::fma is the correctly rounded fused operation with or without hardware FMA (libm
// computes it exactly where the instruction is missing).
template <class T>
[[gnu::always_inline]] inline DoubleWord<T> two_prod(T a, T b) {
  const T p = a * b;
  return {p, std::fma(a, b, -p)};
}

}  // namespace softcheck::fp
