// exp(x) as a pair (mantissa, exponent) with exp(x) ~= mantissa * 2^exponent, the building
// block of the two-pass kernels (Dukhan & Ablavatski 2020). The pair never overflows or
// underflows, so exp(x) needs no max subtraction.
//
//   n = round(x * log2 e)                  (kept as a floating-point integer, never an int)
//   r = x - n*ln2_hi - n*ln2_lo            (Cody-Waite, two constants, each step one FMA)
//   mantissa = p(r) ~= exp(r), r in about [-ln2/2, ln2/2], so mantissa in about [0.7, 1.42]
//
// float: p is the degree-5 fpminimax polynomial with single-precision coefficients,
//        relative error <= 9.19e-8 (2^-23.38) on [-ln2/2, ln2/2], <= 9.23e-8 on the slightly
//        wider interval that |x| <= kRange reaches (sollya supnorm; proofs/exp-poly-f32.md).
//        As evaluated here in float: <= 1.51e-7 (2.53 u) over every float r of the interval.
// double: p is a degree-11 fpminimax polynomial with double coefficients (not std::exp),
//        relative error <= 4.5e-18 (2^-57.6) on [-ln2/2, ln2/2] (same sollya script);
//        as evaluated in double about 1 u (<= 1.14e-16 measured).
//
// Valid range: |x| <= kRange. There the product x*log2e (one FMA into the rounding constant)
// rounds exactly, n*ln2_hi is subtracted exactly and |r| <= ln2/2 + 5.5e-5 (float; the
// excess is kRange * |kLog2e - 1/ln2| * ln2) or ln2/2 + 1.5e-11 (double). Outside it x is clamped
// (NaN -> -kRange) so that nothing overflows or converts out of range; callers fall back to another
// algorithm for rows with finite logits beyond kRange. exp(-inf) (and anything below -kRange) gives
// mantissa 0.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>

#include "fp/compensated_sum.hpp"

namespace softcheck::kernels {

template <class T>
struct ExpPair {
  T mantissa;
  T exponent;  // an integer-valued T
};

template <class T>
struct ExpConstants;

// Constants from proofs/exp_poly_f32.sollya (printed in proofs/exp-poly-f32.md).
template <>
struct ExpConstants<float> {
  static constexpr float kLog2e = 0x1.715476p+0f;    // RN_single(1/ln 2)
  static constexpr float kLn2Hi = 0x1.62E430p-1f;    // RN_single(ln 2)
  static constexpr float kLn2Lo = -0x1.05C610p-29f;  // RN_single(ln 2 - kLn2Hi)
  static constexpr float kRoundingBias = 0x1.8p23f;  // (t + bias) - bias = round(t), |t| < 2^22
  static constexpr float kRange = 0x1p12f;           // valid |x| (header comment)
  // p(r) = 1 + r*(c1 + r*(c2 + r*(c3 + r*(c4 + r*c5)))), fpminimax on [-ln2/2, ln2/2].
  static constexpr std::array<float, 5> kPoly = {0x1.FFFFF6p-1f, 0x1.FFFDC6p-2f, 0x1.555A80p-3f,
                                                 0x1.573A1Ap-5f, 0x1.0F9F9Cp-7f};
};

template <>
struct ExpConstants<double> {
  static constexpr double kLog2e = 0x1.71547652B82FEp+0;   // RN_double(1/ln 2)
  static constexpr double kLn2Hi = 0x1.62E42FEFA39EFp-1;   // RN_double(ln 2)
  static constexpr double kLn2Lo = 0x1.ABC9E3B39803Fp-56;  // RN_double(ln 2 - kLn2Hi)
  static constexpr double kRoundingBias = 0x1.8p52;        // round(t) for |t| < 2^51
  static constexpr double kRange = 0x1p20;                 // valid |x| (header comment)
  // p(r) = 1 + r*(c1 + r*(c2 + ... + r*c11)), fpminimax on [-ln2/2, ln2/2].
  static constexpr std::array<double, 11> kPoly = {0x1p0,
                                                   0x1.000000000000Cp-1,
                                                   0x1.555555555551Bp-3,
                                                   0x1.555555554FE6Bp-5,
                                                   0x1.111111111FA02p-7,
                                                   0x1.6C16C185E81BDp-10,
                                                   0x1.A01A01558B18Fp-13,
                                                   0x1.A01996195A6BFp-16,
                                                   0x1.71DEC6255E4DAp-19,
                                                   0x1.28B09AF48CA77p-22,
                                                   0x1.AE14627F7039Dp-26};
};

// p(r) ~= exp(r) by Horner's rule with FMA.
template <class T>
T exp_poly(T r) {
  const auto& c = ExpConstants<T>::kPoly;
  T q = c.back();
  for (std::size_t k = c.size() - 1; k-- > 0;) q = std::fma(q, r, c[k]);
  return std::fma(q, r, T(1));
}

// x = r + n*ln2 (up to the rounding of r), for x clamped to [-kRange, kRange].
template <class T>
ExpPair<T> reduce(T x) {
  using C = ExpConstants<T>;
  const T clamped = x > C::kRange ? C::kRange : (x >= -C::kRange ? x : -C::kRange);
  const T n = std::fma(clamped, C::kLog2e, C::kRoundingBias) - C::kRoundingBias;
  const T r = std::fma(-n, C::kLn2Lo, std::fma(-n, C::kLn2Hi, clamped));
  return {r, n};
}

template <class T>
ExpPair<T> exp_pair(T x) {
  const auto [r, n] = reduce(x);
  return {x >= -ExpConstants<T>::kRange ? exp_poly(r) : T(0), n};
}

// The same pair with the mantissa from the C library's exp (< 1 ulp instead of the
// polynomial's 2.5 ulps), for the one pair per row that every output is divided by.
// x must be finite and within [-kRange, kRange].
template <class T>
ExpPair<T> exp_pair_accurate(T x) {
  const auto [r, n] = reduce(x);
  return {std::exp(r), n};
}

// Smallest exponent exp_pair returns is round(-kRange * log2e) > -2 * kRange: a pair with
// this exponent and mantissa 0 is the empty sum.
template <class T>
constexpr ExpPair<T> kZeroPair{T(0), -2 * ExpConstants<T>::kRange};

// v * 2^e for an integer-valued e <= 0, correctly rounded (subnormals included). e is clamped
// before the conversion to int: below the clamp the result is 0 anyway.
template <class T>
T scale_by_pow2(T v, T e) {
  constexpr T kBelowUnderflow = -4 * ExpConstants<T>::kRange;  // 2^kBelowUnderflow = 0 in T
  return std::ldexp(v, static_cast<int>(e > kBelowUnderflow ? e : kBelowUnderflow));
}

// A sum of pairs, kept at the largest exponent added so far, with a compensated mantissa.
template <class T>
struct PairSum {
  fp::CompensatedSum<T> mantissa;
  T exponent = kZeroPair<T>.exponent;

  void add(ExpPair<T> p) {
    if (p.exponent > exponent) {
      mantissa.scale(scale_by_pow2(T(1), exponent - p.exponent));
      exponent = p.exponent;
    }
    mantissa.add(scale_by_pow2(p.mantissa, p.exponent - exponent));
  }
  ExpPair<T> value() const { return {mantissa.value(), exponent}; }
};

}  // namespace softcheck::kernels
