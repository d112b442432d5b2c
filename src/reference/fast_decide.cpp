// The fast paths' decisions and bounded log1p: see fast_decide.hpp and
// proofs/fast-reference.md.
#include "reference/fast_decide.hpp"

#include <algorithm>
#include <cmath>

#include "core/double_bits.hpp"
#include "fp/constants.hpp"
#include "fp/double_double.hpp"
#include "reference/decider.hpp"
#include "reference/fast_exp.hpp"

namespace softcheck::reference::fast {

// The correctly rounded Exact of the real X = base + correction + E, |E| <= bound, where
// base is a double-double and `correction` a double far below base's last bit (or 0), or
// nothing when that does not settle the rounding to double (exact_hi) and to the format.
// With hi = RN(base): X rounds to hi in double when X - hi stays strictly inside half the
// gaps to hi's neighbours (when base is itself a midpoint between two doubles, the sign of
// X - base picks the neighbour); no midpoint of a format narrower than double lies strictly
// between hi and a neighbour (midpoints are doubles), so X then rounds like hi in the format
// - unless hi is itself such a midpoint, where the sign of X - hi decides. `side` is the
// sign of X - base when the caller knows it (0 if not).
std::optional<Exact> decide(Dd base, double correction, double bound, Format format,
                            int side) {
  const Dd c = fp::fast_two_sum(base.hi, base.lo);
  double hi = c.hi;
  if (!std::isfinite(hi) || !(std::fabs(hi) >= fp::kMinNormal)) return std::nullopt;
  double below = next_down(hi), above = next_up(hi);
  const double slack = std::fabs(hi) < fp::kDdNormalFloor ? kUnderflowSlack : 0.0;
  const double margin = (bound * kBoundSlack + slack) * kBoundSlack;  // |X - base - correction|
  const int sign = correction - margin > 0 ? 1 : correction + margin < 0 ? -1 : side;
  int relative;  // the sign of X - hi, 0 if unknown
  double offset;  // X - hi, approximately (exact_lo)
  if (c.lo != 0 && (c.lo == 0.5 * (above - hi) || c.lo == -0.5 * (hi - below))) {
    if (sign == 0 || !(std::fabs(correction) + margin < 0.25 * (hi - below))) return std::nullopt;
    if ((sign > 0) == (c.lo > 0)) {  // X beyond the midpoint: it rounds to that neighbour
      hi = c.lo > 0 ? above : below;
      below = next_down(hi), above = next_up(hi);
      offset = -c.lo + correction;  // X - hi = c.lo - (new hi - old hi) + correction
      relative = c.lo > 0 ? -1 : 1;
    } else {
      offset = c.lo + correction;
      relative = c.lo > 0 ? 1 : -1;
    }
  } else {
    offset = c.lo + correction;
    const double reach = margin + std::fabs(offset) * 0x1p-50;  // + offset's own rounding
    const double low = offset - reach, high = offset + reach;
    if (!(low > -0.5 * (hi - below) && high < 0.5 * (above - hi))) return std::nullopt;
    relative = low > 0 ? 1 : high < 0 ? -1 : c.lo == 0 ? sign : 0;
  }
  double rounded = hi;
  if (format != Format::f64) {
    const FormatRounding at_hi = round_to_format_with_tie(hi, format);
    if (!at_hi.tie) {
      rounded = at_hi.rounded;
    } else {
      const double lower = round_to_format(below, format), upper = round_to_format(above, format);
      if (relative == 0 || std::isinf(lower) || std::isinf(upper))
        return std::nullopt;  // the side unknown, or at the overflow threshold
      rounded = relative > 0 ? upper : lower;
    }
  }
  return Exact{rounded, hi, offset};  // rounded may be +-inf: beyond the format's range
}

// The Exact of X = q 2^e > 0 (q a double-double, |computed - exact| <= relative |q|) below
// 2^-960, where a double-double X would lose bits to double's subnormal range: rounded on
// double's grid at X (spacing 2^quantum, quantum = max(ilogb X, -1022) - 52) from
// y = q 2^(e - quantum) < 2^53, a normal double-double, or nothing near a tie or within one
// unit of the binade's lower end (where the spacing is in doubt). Every format but f64
// rounds such X to +0.
std::optional<Exact> decide_small(Dd q, int e, double relative, Format format) {
  const int quantum = std::max(exponent_of(q.hi) + e, -1022) - 52;
  const Dd y = dd::ldexp(q, e - quantum);
  if (!(y.hi >= fp::kDdMarginFloor) || (quantum > -1074 && !(y.hi >= 0x1p52 + 1)))
    return std::nullopt;
  // The integer nearest y.hi + y.lo: below 2^52 y.hi may be a half-integer, and then y.lo
  // decides the side (k one step on, fraction - 1 or + 1 exact by Sterbenz).
  double k = std::nearbyint(y.hi);
  double fraction = (y.hi - k) + y.lo;  // y.hi - k is exact; the sum within 2^-53
  if (fraction > 0.5) k += 1, fraction -= 1;
  if (fraction < -0.5) k -= 1, fraction += 1;
  if (!(std::fabs(fraction) * (1 + 0x1p-52) + y.hi * relative * kBoundSlack + 0x1p-900 < 0.5))
    return std::nullopt;
  const double hi = scale2(k, quantum);
  return Exact{format == Format::f64 ? hi : round_to_format(hi, format), hi,
               scale2(fraction, quantum)};
}

// The Exact of X = v 2^e of either sign (v a double-double, |computed - exact| <= relative
// |v|): decide_small below 2^-960, decide above.
std::optional<Exact> decide_scaled(Dd v, int e, double relative, Format format) {
  if (v.hi == 0) return std::nullopt;
  if (e + exponent_of(v.hi) >= 1023) {
    // Near or beyond double's range: X >= 2^1024 by the bound rounds to +-inf in double and
    // every format (exactly's infinity); X below 2^1024 (1 - 2^-20) is decided on double's
    // grid, where hi's upper neighbour is finite; between them (DBL_MAX or inf), MPFR.
    const double top = std::ldexp(std::fabs(v.hi), e - 1024);  // |X| / 2^1024 to 2^-52
    const double spread = 0x1p-50 + relative * kBoundSlack;    // v.lo and the bound
    if (top * (1 - spread) >= 1) return v.hi > 0 ? exactly(HUGE_VAL) : exactly(-HUGE_VAL);
    if (!(top * (1 + spread) < 1 - 0x1p-20)) return std::nullopt;
  }
  if (e + exponent_of(v.hi) >= -960) {
    const Dd x = dd::ldexp(v, e);
    return decide(x, 0.0, std::fabs(x.hi) * relative * kBoundSlack, format);
  }
  if (v.hi > 0) return decide_small(v, e, relative, format);
  const auto r = decide_small(dd::negate(v), e, relative, format);
  if (!r) return std::nullopt;
  return Exact{-r->rounded, -r->exact_hi, -r->exact_lo};
}

// base + c for a double-double c of sign `side` (-1, +1) with |c - exact| <= c_bound: kept
// apart as a correction when it is far below base's last bit (the midpoint cases above),
// else added.
std::optional<Exact> decide_sum(Dd base, Dd c, double c_bound, Format format, int side) {
  if (std::fabs(c.hi) <= std::fabs(base.hi) * 0x1p-60)
    return decide(base, c.hi + c.lo, c_bound + std::fabs(c.hi) * 0x1p-52, format, side);
  const Dd sum = dd::add(base, c);
  return decide(sum, 0.0, c_bound + std::fabs(sum.hi) * dd::kAddDdBound * kU2 * kBoundSlack,
                format);
}

// log1p(s) for s with |computed - s| <= s_bound, S = 1 + s with |S - 1 - s| <= S_bound.
Dd log1p_ratio_series(Dd s) {
  static const Dd third = dd::div({1.0, 0.0}, {3.0, 0.0});
  static const Dd fifth = dd::div({1.0, 0.0}, {5.0, 0.0});
  Dd p = fifth;
  p = dd::add(dd::mul(p, s), -0.25);
  p = dd::add(dd::mul(p, s), third);
  p = dd::add(dd::mul(p, s), -0.5);
  return dd::add(dd::mul(p, s), 1.0);
}

std::optional<Bounded> log1p_bounded(Dd s, double s_bound, Dd one_plus_s, double S_bound) {
  if (s.hi <= 0x1p-20) {
    // s - s^2/2 + s^3/3 - s^4/4 + s^5/5: truncation < s^6/6 < 2^-120 s; Horner in
    // double-double with terms shrinking by s <= 2^-20, so each step costs ~7 u^2 relative
    // of a value within 2^-19 of s's coefficient; log1p's condition at s is <= 1.
    const Dd value = dd::mul(log1p_ratio_series(s), s);
    // Below 2^-960 the products lose bits to underflow: a few 2^-1074, in kUnderflowSlack.
    return Bounded{value, s_bound + relative_bound(value, 64 * kU2) + kUnderflowSlack};
  }
  // One Newton step from libm's y0 (any starting value works: its error h is bounded below
  // from the step itself): y1 = y0 + (S e^-y0 - 1), and y1 - log S = e^h - 1 - h in
  // [0, 0.51 h^2] with |h| <= 2 |S e^-y0 - 1| once that is <= 2^-30.
  const double y0 = std::log1p(s.hi + s.lo);
  const ScaledDd e = fast_exp({-y0, 0.0});
  const Dd w = dd::mul(one_plus_s, dd::ldexp(e.m, e.exponent));  // S e^-y0, ~1
  const Dd step = dd::add(w, -1.0);
  if (!(std::fabs(step.hi) <= 0x1p-30)) return std::nullopt;
  const Dd value = dd::add({y0, 0.0}, step);
  // w's relative error: S's (S_bound / S), exp's, and the product's 4 u^2; as an absolute
  // error on y1 it is that times |w| <= 1 + 2^-29.
  const double w_relative = S_bound / one_plus_s.hi + kFastExpError + 4 * kU2;
  const double newton = 0.51 * 4 * step.hi * step.hi * kBoundSlack;
  const double bound = (1 + 0x1p-29) * w_relative * kBoundSlack + relative_bound(value, 2 * kU2) +
                       newton + std::fabs(step.hi) * 2 * kU2;
  return Bounded{value, bound};
}

std::optional<Bounded> log1p_of_exp(Dd E) {
  const double E_bound = relative_bound(E, kFastExpError) + kUnderflowSlack;
  const Dd one_plus_E = dd::add(E, 1.0);  // DWPlusFP, 2 u^2
  return log1p_bounded(E, E_bound, one_plus_E, E_bound + relative_bound(one_plus_E, 2 * kU2));
}

}  // namespace softcheck::reference::fast
