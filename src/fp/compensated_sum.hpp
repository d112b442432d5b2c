// A compensated running sum of non-negative terms (Neumaier, ZAMM 54, 1974, "improved Kahan
// summation"): the rounding error of every addition is recovered exactly and kept in
// `carry`, so the error of value() does not grow with the number of terms (<= 2u relative,
// up to O(n u^2)), where a recursive sum loses up to (n - 1) u, typically ~0.5 sqrt(n) u.
// The kernels sum their exponentials and losses with it; it costs four extra additions per
// term and vectorises lane by lane.
//
// Each step is Dekker's FastTwoSum (fp/two_sum.hpp) with the larger operand first, written
// as (a - t) + b, which equals b - (t - a) up to the sign of a zero. The order is picked by
// value, not by magnitude as in Neumaier's algorithm: for terms >= 0 (every caller) the two
// agree, so the carry is exact; a negative term can make it inexact.
#pragma once

namespace softcheck::fp {

template <class T>
struct CompensatedSum {
  T sum = 0;
  T carry = 0;

  [[gnu::always_inline]] void add(T v) {
    const T t = sum + v;
    carry += sum >= v ? (sum - t) + v : (v - t) + sum;
    sum = t;
  }
  // Multiplies the sum by f (one rounding of each part: relative error <= u).
  [[gnu::always_inline]] void scale(T f) {
    sum *= f;
    carry *= f;
  }
  [[gnu::always_inline]] T value() const { return sum + carry; }
};

}  // namespace softcheck::fp
