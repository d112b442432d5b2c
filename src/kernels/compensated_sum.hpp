// A compensated (Neumaier) running sum: the rounding error of every addition is recovered
// exactly (TwoSum) and kept in `carry`, so the error of value() does not grow with the number
// of terms (<= 2u relative for non-negative terms, up to O(n u^2)), where a recursive sum
// loses up to (n - 1) u, typically ~0.5 sqrt(n) u. The kernels sum their n - 1 exponentials
// with it; it costs four extra additions per term and vectorises lane by lane.
#pragma once

namespace softcheck::kernels {

template <class A>
struct CompensatedSum {
  A sum = 0;
  A carry = 0;

  void add(A v) {
    const A t = sum + v;
    carry += sum >= v ? (sum - t) + v : (v - t) + sum;
    sum = t;
  }
  // Multiplies the sum by f (one rounding of each part: relative error <= u).
  void scale(A f) {
    sum *= f;
    carry *= f;
  }
  A value() const { return sum + carry; }
};

}  // namespace softcheck::kernels
