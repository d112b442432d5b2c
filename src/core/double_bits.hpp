// Powers of two, exponents and neighbours of doubles read off their bits: the same values as
// std::ldexp, std::ilogb and std::nextafter, without libm's out-of-line calls, which dominated
// the reference's fast path and the per-element checks. Each falls back to libm outside the
// range where the bit manipulation is exact.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace softcheck {

// 2^e for -1022 <= e <= 1023 (a normal double).
inline double normal_pow2(int e) {
  return std::bit_cast<double>(static_cast<std::uint64_t>(e + 1023) << 52);
}

// std::ldexp(x, e): for e in the normal range x * 2^e is one correctly rounded product, as is
// ldexp's result (exact unless it under- or overflows).
inline double scale2(double x, int e) {
  if (e >= -1022 && e <= 1023) return x * normal_pow2(e);
  return std::ldexp(x, e);
}

// std::ilogb(x): the unbiased exponent of a normal double.
inline int exponent_of(double x) {
  const int biased = static_cast<int>((std::bit_cast<std::uint64_t>(x) >> 52) & 0x7FF);
  if (biased != 0 && biased != 0x7FF) return biased - 1023;
  return std::ilogb(x);
}

// std::nextafter(x, +inf) and std::nextafter(x, -inf) for a finite nonzero x whose neighbour
// is finite and nonzero with the same sign (the bit pattern steps by one).
inline double next_up(double x) {
  const auto bits = std::bit_cast<std::uint64_t>(x);
  if (x > 0 && x < 0x1.fffffffffffffp1023) return std::bit_cast<double>(bits + 1);
  if (x < -0x1p-1074) return std::bit_cast<double>(bits - 1);
  return std::nextafter(x, HUGE_VAL);
}
inline double next_down(double x) {
  const auto bits = std::bit_cast<std::uint64_t>(x);
  if (x < 0 && x > -0x1.fffffffffffffp1023) return std::bit_cast<double>(bits + 1);
  if (x > 0x1p-1074) return std::bit_cast<double>(bits - 1);
  return std::nextafter(x, -HUGE_VAL);
}

// nearbyint(y) under the default rounding mode (to nearest, ties to even) for |y| < 2^51:
// y + 1.5 * 2^52 lies in [2^52, 2^53), where doubles are the integers, so adding and
// subtracting it rounds away the fraction (branch-free: loops over it vectorize). The sign
// of a zero result is not kept.
inline double round_to_integer(double y) {
  constexpr double kShift = 0x1.8p52;
  return (y + kShift) - kShift;
}

}  // namespace softcheck
