// The arithmetic of the H-consistency bound checks: MPFR through Boost.Multiprecision, with a
// fixed precision of 78 decimal digits = 261 bits (std::numeric_limits<Real>::digits).
//
// Why that is enough (proofs/hconsistency-bounds.md, "Precision"): each side of the bound is
// a short chain (at most 12 n + 40 correctly rounded operations) of exp, log, expm1, log1p,
// pow and sums of positive terms, so its absolute error is below
// (12 n + 40) 2^-260 x (the magnitude of the terms). For n <= 2^20 that is below
// 2^-200 x magnitude, the allowance kRoundingAllowance below; the slacks measured are
// 1e-25 or more away from zero except where they are exactly zero.
#pragma once

#include <boost/multiprecision/mpfr.hpp>
#include <cmath>
#include <cstddef>

namespace softcheck::hconsistency {

// Decimal digits of the MPFR numbers; Boost turns 78 digits into 261 bits.
constexpr unsigned kDecimalDigits = 78;
using Real = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<kDecimalDigits>,
                                           boost::multiprecision::et_off>;

// The largest n the error analysis above covers ((12 n + 40) 2^-260 <= 2^-200).
constexpr std::size_t kMaxClasses = std::size_t{1} << 20;

// A computed slack below -kRoundingAllowance x (1 + magnitude) is a violation; above it, the
// exact slack is >= 0 or within rounding of 0 (real.hpp header comment).
inline const Real& rounding_allowance() {
  static const Real allowance = ldexp(Real(1), -200);
  return allowance;
}

inline double to_double(const Real& x) { return x.convert_to<double>(); }

}  // namespace softcheck::hconsistency
