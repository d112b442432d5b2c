// Named floating-point constants: the special values, binary64's range, and the thresholds
// below which double-double arithmetic (fp/double_double.hpp) loses bits to the subnormal
// range. Every value is a power of two, written as a hex float.
#pragma once

#include <limits>

namespace softcheck::fp {

template <class T>
inline constexpr T kInf = std::numeric_limits<T>::infinity();
template <class T>
inline constexpr T kNaN = std::numeric_limits<T>::quiet_NaN();

// binary64 (IEEE 754-2019, Table 3.5: emin = -1022, p = 53).
inline constexpr double kMinNormal = 0x1p-1022;     // 2^emin, DBL_MIN
inline constexpr double kMinSubnormal = 0x1p-1074;  // 2^(emin - p + 1), DBL_TRUE_MIN

// Where a double-double starts to lose bits to the subnormal range: 2^-960 = 2^62 kMinNormal.
// At or above it a full-size low part (~2^-53 |hi| >= 2^9 kMinNormal) is normal, and what an
// operation on a smaller low part loses to the subnormal grid (<= 2^-1075 each) is at most
// 2^-115 |hi| = 2^-9 u^2 relative; below it the fast paths count that loss as an absolute
// slack (kSubnormalSlack; fast_decide.hpp's kUnderflowSlack = 2^-1066) or decide the value
// scaled up (fast_decide.cpp's decide_small). proofs/fast-reference.md, "Building blocks".
inline constexpr double kDdNormalFloor = 0x1p-960;

// kDdNormalFloor with a margin of 2^60: values at or above it are double-doubles that keep
// all their bits. fast_row.cpp treats a row as collapsed below it (s < 2^-900; it tests
// s + bound < 2^-901 and sums again scaled, proofs/fast-reference.md "Collapse"),
// decide_small needs its scaled value above it, and fast_stablemax.cpp's Newton step needs
// e^-log1p(ratio) above it (ratio < 2^900).
inline constexpr double kDdMarginFloor = 0x1p-900;

// An absolute slack of one value for the subnormal range: 2^-1070 = 16 kMinSubnormal, above
// what a low part loses when it is rounded onto the subnormal grid (<= 2^-1075, half the
// spacing) and above every power 2^k (k <= -1075) that rounds to 0. fast_row.cpp adds it for
// each term below kDdNormalFloor ("lo may underflow") and uses it as the floor of the bounds
// on the terms left out of a collapsed row's sum.
inline constexpr double kSubnormalSlack = 0x1p-1070;

}  // namespace softcheck::fp
