// Double-word (double-double) arithmetic with proven bounds: a real held as hi + lo,
// |lo| <= ulp(hi) / 2. The algorithms and their relative error bounds, in units of u^2 with
// u = 2^-53, are those proven by Joldes, Muller and Popescu, "Tight and rigorous error bounds
// for basic building blocks of double-word arithmetic", ACM TOMS 44(2), 2017 (their algorithm
// numbers in brackets); each needs FMA and no overflow or underflow (fp/constants.hpp:
// kDdNormalFloor says where underflow starts to matter).
//   add(Dd, double)  [4]  DWPlusFP          <= 2 u^2
//   add(Dd, Dd)      [6]  AccurateDWPlusDW  <= 3 u^2 + 13 u^3 <= kAddDdBound u^2 (any signs)
//   mul(Dd, double)  [9]  DWTimesFP3        <= 2 u^2
//   mul(Dd, Dd)      [12] DWTimesDW3        <= 4 u^2
//   div(Dd, Dd)      [17] DWDivDW2          <= 15 u^2
// The bounds assume every operation as written: no contraction of a product and a sum into
// an FMA (src/fp/README.md). The reference's fast paths rely on them: fast_exp.cpp's 14 u^2
// (kFastExpError states 20 u^2), and fast_row.cpp's, fast_stablemax.cpp's and
// fast_decide.cpp's error budgets (proofs/fast-reference.md, "Building blocks").
#pragma once

#include <cmath>

#include "core/double_bits.hpp"
#include "fp/two_sum.hpp"

namespace softcheck::fp::dd {

using Dd = DoubleWord<double>;

inline constexpr double kU = 0x1p-53;    // unit roundoff of double
inline constexpr double kU2 = 0x1p-106;  // u^2

// AccurateDWPlusDW's bound in units of u^2, rounded up: 3 + 13 u = 3 + 1.4e-15 <= 3.0001.
// The budgets write the others as integers times kU2 (2, 4, 15 u^2).
inline constexpr double kAddDdBound = 3.0001;

// DWPlusFP [4].
[[gnu::always_inline]] inline Dd add(Dd x, double y) {
  const Dd s = two_sum(x.hi, y);
  return fast_two_sum(s.hi, x.lo + s.lo);
}
// AccurateDWPlusDW [6].
[[gnu::always_inline]] inline Dd add(Dd x, Dd y) {
  const Dd s = two_sum(x.hi, y.hi);
  const Dd t = two_sum(x.lo, y.lo);
  const Dd v = fast_two_sum(s.hi, s.lo + t.hi);
  return fast_two_sum(v.hi, t.lo + v.lo);
}
[[gnu::always_inline]] inline Dd negate(Dd x) { return {-x.hi, -x.lo}; }
// DWTimesFP3 [9].
[[gnu::always_inline]] inline Dd mul(Dd x, double y) {
  const Dd c = two_prod(x.hi, y);
  return fast_two_sum(c.hi, std::fma(x.lo, y, c.lo));
}
// DWTimesDW3 [12].
[[gnu::always_inline]] inline Dd mul(Dd x, Dd y) {
  const Dd c = two_prod(x.hi, y.hi);
  const double t_lo = x.lo * y.lo;
  const double t = std::fma(x.hi, y.lo, t_lo);
  const double c_lo = std::fma(x.lo, y.hi, t);
  return fast_two_sum(c.hi, c.lo + c_lo);
}
// DWDivDW2 [17].
[[gnu::always_inline]] inline Dd div(Dd x, Dd y) {
  const double t_hi = x.hi / y.hi;
  const Dd r = mul(y, t_hi);
  const double pi_hi = x.hi - r.hi;
  const double d_lo = x.lo - r.lo;
  const double d = pi_hi + d_lo;
  const double t_lo = d / y.hi;
  return fast_two_sum(t_hi, t_lo);
}
// hi + lo scaled by 2^e (exact while no part leaves the normal range).
[[gnu::always_inline]] inline Dd ldexp(Dd x, int e) { return {scale2(x.hi, e), scale2(x.lo, e)}; }

}  // namespace softcheck::fp::dd
