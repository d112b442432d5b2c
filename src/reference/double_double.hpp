// Double-word (double-double) arithmetic for the reference's fast path (fast_row.hpp): a real
// held as hi + lo, |lo| <= ulp(hi) / 2. The algorithms and their relative error bounds, in
// units of u^2 with u = 2^-53, are those proven by Joldes, Muller and Popescu, "Tight and
// rigorous error bounds for basic building blocks of double-word arithmetic", ACM TOMS 44(2),
// 2017 (their algorithm numbers in brackets); each needs FMA and no overflow or underflow.
//   add(Dd, double)  [4]  DWPlusFP     <= 2 u^2
//   add(Dd, Dd)      [6]  AccurateDWPlusDW <= 3 u^2 + 13 u^3  (any signs)
//   mul(Dd, double)  [9]  DWTimesFP3   <= 2 u^2
//   mul(Dd, Dd)      [12] DWTimesDW3   <= 4 u^2
//   div(Dd, Dd)      [17] DWDivDW2     <= 15 u^2
// fast_row.cpp's error budget (proofs/fast-reference.md) uses these bounds.
#pragma once

#include <cmath>

#include "core/double_bits.hpp"

namespace softcheck::reference::dd {

struct Dd {
  double hi = 0.0;
  double lo = 0.0;
};

inline constexpr double kU = 0x1p-53;       // unit roundoff of double
inline constexpr double kU2 = 0x1p-106;     // u^2

// a + b = s + e exactly (TwoSum; any a, b).
inline Dd two_sum(double a, double b) {
  const double s = a + b;
  const double a_part = s - b;
  const double b_part = s - a_part;
  return {s, (a - a_part) + (b - b_part)};
}
// a + b = s + e exactly when |a| >= |b| or a = 0 (Fast2Sum).
inline Dd fast_two_sum(double a, double b) {
  const double s = a + b;
  return {s, b - (s - a)};
}
// a * b = p + e exactly (no underflow).
inline Dd two_prod(double a, double b) {
  const double p = a * b;
  return {p, std::fma(a, b, -p)};
}

inline Dd add(Dd x, double y) {
  const Dd s = two_sum(x.hi, y);
  return fast_two_sum(s.hi, x.lo + s.lo);
}
inline Dd add(Dd x, Dd y) {
  const Dd s = two_sum(x.hi, y.hi);
  const Dd t = two_sum(x.lo, y.lo);
  const Dd v = fast_two_sum(s.hi, s.lo + t.hi);
  return fast_two_sum(v.hi, t.lo + v.lo);
}
inline Dd negate(Dd x) { return {-x.hi, -x.lo}; }
inline Dd mul(Dd x, double y) {
  const Dd c = two_prod(x.hi, y);
  return fast_two_sum(c.hi, std::fma(x.lo, y, c.lo));
}
inline Dd mul(Dd x, Dd y) {
  const Dd c = two_prod(x.hi, y.hi);
  const double t_lo = x.lo * y.lo;
  const double t = std::fma(x.hi, y.lo, t_lo);
  const double c_lo = std::fma(x.lo, y.hi, t);
  return fast_two_sum(c.hi, c.lo + c_lo);
}
inline Dd div(Dd x, Dd y) {
  const double t_hi = x.hi / y.hi;
  const Dd r = mul(y, t_hi);
  const double pi_hi = x.hi - r.hi;
  const double d_lo = x.lo - r.lo;
  const double d = pi_hi + d_lo;
  const double t_lo = d / y.hi;
  return fast_two_sum(t_hi, t_lo);
}
// hi + lo scaled by 2^e (exact while no part leaves the normal range).
inline Dd ldexp(Dd x, int e) { return {scale2(x.hi, e), scale2(x.lo, e)}; }

}  // namespace softcheck::reference::dd
