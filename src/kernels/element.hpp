// Storage formats of the built-in kernels: the element type of each format, the type the
// kernels compute in (the accumulator), how an element widens to it and how a result is
// rounded back to storage.
//
//   f64:  double storage, double arithmetic.
//   f32:  float storage, float arithmetic.
//   bf16: 16-bit storage (the upper half of an f32), float arithmetic.
//   f16:  IEEE binary16 storage, float arithmetic.
//
// Widening is exact. Narrowing float -> bf16/f16 rounds to nearest, ties to even, with
// subnormals, overflow to infinity and NaN -> a quiet NaN, exactly like
// softcheck::encode_*(round_to_format(x)) (tests/unit/kernels_element.cpp checks every float
// of the ranges where the rounding can differ).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

#include "core/format.hpp"
#include "fp/two_sum.hpp"

namespace softcheck::kernels {

// Quiet NaNs as core/format.cpp stores them.
inline constexpr std::uint16_t kBf16QuietNaN = 0x7FC0;
inline constexpr std::uint16_t kF16QuietNaN = 0x7E00;

inline float widen_bf16(std::uint16_t bits) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

inline std::uint16_t narrow_bf16(float value) {
  if (value != value) return kBf16QuietNaN;
  // Add just under half a bf16 ulp, plus one when the kept part is odd (ties to even), then
  // truncate. A carry out of the fraction bumps the exponent, which turns values past the
  // largest bf16 into infinity; subnormals round the same way (bf16 shares f32's exponents).
  const auto bits = std::bit_cast<std::uint32_t>(value);
  return static_cast<std::uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

inline float widen_f16(std::uint16_t bits) {
  const std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
  const std::uint32_t exponent = (bits >> 10) & 0x1Fu;
  const std::uint32_t fraction = bits & 0x3FFu;
  if (exponent == 0) {  // zero or subnormal: fraction * 2^-24, exact in float
    const float magnitude = static_cast<float>(fraction) * 0x1p-24f;
    return sign ? -magnitude : magnitude;
  }
  // Infinity and NaN keep the all-ones exponent (and the NaN payload); normals are rebiased.
  const std::uint32_t exponent32 = exponent == 0x1F ? 0xFFu : exponent + (127 - 15);
  return std::bit_cast<float>(sign | exponent32 << 23 | fraction << 13);
}

inline std::uint16_t narrow_f16(float value) {
  constexpr std::uint32_t kF32Infinity = 0x7F800000;
  constexpr std::uint32_t kF32OfF16Overflow = 0x477FF000;   // 65520 = max f16 + half an ulp
  constexpr std::uint32_t kF32OfF16MinNormal = 0x38800000;  // 2^-14
  constexpr std::uint32_t kRebias = (127 - 15) << 23;
  const auto bits = std::bit_cast<std::uint32_t>(value);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
  const std::uint32_t magnitude = bits & 0x7FFFFFFFu;
  if (magnitude > kF32Infinity) return kF16QuietNaN;
  if (magnitude >= kF32OfF16Overflow) return sign | 0x7C00u;  // rounds to infinity
  if (magnitude >= kF32OfF16MinNormal) {
    // Round away the 13 extra fraction bits to nearest even (as for bf16), then rebias.
    const std::uint32_t rounded = magnitude + 0xFFFu + ((magnitude >> 13) & 1u);
    return sign | static_cast<std::uint16_t>((rounded - kRebias) >> 13);
  }
  // Below 2^-14 the result is a multiple of 2^-24, the ulp of floats in [0.5, 1): adding 0.5
  // lets the float adder round the value to that grid (to nearest even), and the multiple
  // appears in the low bits. 2^-14 itself comes out as 1024, the smallest normal's encoding.
  const float on_grid = std::bit_cast<float>(magnitude) + 0.5f;
  return sign | static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(on_grid) -
                                           std::bit_cast<std::uint32_t>(0.5f));
}

// RN(a + b) rounded to odd instead: when the float sum is inexact and its last bit even, the
// neighbour one ulp toward the exact sum (TwoSum's error gives its side). Narrowing that to
// bf16 (8 bits) or f16 (11) rounds the exact a + b correctly, float keeping at least two bits
// more (Boldo & Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms
// using rounding to odd", IEEE Trans. Computers 57(4), 2008). Rounded to nearest,
// the sum can land exactly on a midpoint of the narrow grid that the exact sum lies beside
// (x_j - m a midpoint, log1p(s) below half a float ulp of it), and ties-to-even then goes the
// wrong way half the time: a double rounding that leans toward zero (found by the exhaustive
// bf16 sweep, docs/scale-out.md). Infinite and NaN sums are returned as they are.
inline float add_round_to_odd(float a, float b) {
  const float sum = a + b;
  if (!std::isfinite(sum)) return sum;
  const float error = fp::two_sum_error(a, b, sum);
  const auto bits = std::bit_cast<std::uint32_t>(sum);
  if (error == 0 || (bits & 1u) != 0) return sum;
  // sum is not 0 here (a sum that rounds to 0 is exact); the odd neighbour on error's side.
  const bool away_from_zero = std::signbit(error) == std::signbit(sum);
  return std::bit_cast<float>(away_from_zero ? bits + 1 : bits - 1);
}

// Element traits: storage type, accumulator type, widening load and rounding store;
// store_sum(a, b) is store(a + b) with the sum rounded once (narrow formats: to odd, then to
// storage), for the log-type outputs (log_softmax, logsumexp, the loss) that end in a sum;
// narrow says whether storage is narrower than the accumulator.
struct F64 {
  using storage = double;
  using acc = double;
  static constexpr Format format = Format::f64;
  static acc load(storage v) { return v; }
  static storage store(acc v) { return v; }
  static constexpr bool narrow = false;
  static storage store_sum(acc a, acc b) { return a + b; }
};

struct F32 {
  using storage = float;
  using acc = float;
  static constexpr Format format = Format::f32;
  static acc load(storage v) { return v; }
  static storage store(acc v) { return v; }
  static constexpr bool narrow = false;
  static storage store_sum(acc a, acc b) { return a + b; }
};

struct Bf16 {
  using storage = std::uint16_t;
  using acc = float;
  static constexpr Format format = Format::bf16;
  static acc load(storage v) { return widen_bf16(v); }
  static storage store(acc v) { return narrow_bf16(v); }
  static constexpr bool narrow = true;
  static storage store_sum(acc a, acc b) { return narrow_bf16(add_round_to_odd(a, b)); }
};

struct F16 {
  using storage = std::uint16_t;
  using acc = float;
  static constexpr Format format = Format::f16;
  static acc load(storage v) { return widen_f16(v); }
  static storage store(acc v) { return narrow_f16(v); }
  static constexpr bool narrow = true;
  static storage store_sum(acc a, acc b) { return narrow_f16(add_round_to_odd(a, b)); }
};

// Calls visit(E{}) with the element traits of `format`; every branch must return one type.
template <class Visit>
decltype(auto) visit_format(Format format, Visit&& visit) {
  switch (format) {
    case Format::f64:
      return visit(F64{});
    case Format::f32:
      return visit(F32{});
    case Format::bf16:
      return visit(Bf16{});
    case Format::f16:
      break;
  }
  return visit(F16{});
}

}  // namespace softcheck::kernels
