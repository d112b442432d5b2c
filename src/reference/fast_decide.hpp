// The decisions shared by the reference's fast paths (fast_row.cpp, fast_stablemax.cpp):
// from a double-double value and a proven bound on its error to a correctly rounded Exact -
// to the format and to double (exact_hi) - or nothing when the bound does not settle it; and
// log1p with a proven bound. Compiled for FMA and AVX2 like the paths that call it
// (CMakeLists.txt). Decision rule and bounds: proofs/fast-reference.md.
#pragma once

#include <cmath>
#include <optional>

#include "core/format.hpp"
#include "fp/double_double.hpp"
#include "reference/reference.hpp"

namespace softcheck::reference::fast {

// The double-word names every fast path uses (the .cpp files bring them in with
// `using namespace fast`).
namespace dd = fp::dd;
using dd::Dd;
using dd::kU2;

// Absolute slack of every decision: double-double low parts (and FMA remainders) below
// 2^-1022 lose bits to double's subnormal range, at most a few 2^-1074 in all (2^-1066 =
// 2^8 2^-1074; applied below fp::kDdNormalFloor).
inline constexpr double kUnderflowSlack = 0x1p-1066;
// Inflation of every computed bound, covering the rounding of the bound arithmetic itself.
inline constexpr double kBoundSlack = 1 + 0x1p-40;

// Exactly known results (reference::exactly's values, and the signed zeros of underflow).
inline constexpr Exact kZero{0.0, 0.0, 0.0};
inline constexpr Exact kNegativeZero{-0.0, -0.0, -0.0};

// Absolute bound for a value whose relative error is `relative`.
inline double relative_bound(fp::dd::Dd v, double relative) {
  return std::fabs(v.hi) * relative * kBoundSlack;
}

// The Exact of X = base + correction + E, |E| <= bound (correction a double far below
// base's last bit, or 0; side the sign of X - base when known, else 0).
std::optional<Exact> decide(fp::dd::Dd base, double correction, double bound, Format format,
                            int side = 0);
// The Exact of X = q 2^e > 0 below 2^-960 (|computed - exact| <= relative |q|), rounded on
// double's grid there.
std::optional<Exact> decide_small(fp::dd::Dd q, int e, double relative, Format format);
// The Exact of X = v 2^e of either sign (|computed - exact| <= relative |v|).
std::optional<Exact> decide_scaled(fp::dd::Dd v, int e, double relative, Format format);
// The Exact of base + c, c of sign `side` with |c - exact| <= c_bound.
std::optional<Exact> decide_sum(fp::dd::Dd base, fp::dd::Dd c, double c_bound, Format format,
                                int side);

// 1 - s/2 + s^2/3 - s^3/4 + s^4/5 = log1p(s)/s - O(s^5), Horner in double-double: within
// 64 u^2 (+ s^5/6 truncation) of log1p(s)/s for 0 <= s <= 2^-20 (log1p_bounded's series).
fp::dd::Dd log1p_ratio_series(fp::dd::Dd s);

// A double-double and an absolute bound on its error.
struct Bounded {
  Dd value;
  double bound;  // absolute
  double relative() const { return bound / std::fabs(value.hi); }
};
// log1p(s) for s >= 0 with |computed - s| <= s_bound, S = 1 + s with |S - 1 - s| <= S_bound.
std::optional<Bounded> log1p_bounded(fp::dd::Dd s, double s_bound, fp::dd::Dd one_plus_s,
                                       double S_bound);
// log1p(E) for E in (0, 1] that fast_exp computed (E = m 2^k as a plain double-double: within
// kFastExpError, plus kUnderflowSlack for a low part below 2^-960): the softplus's term.
std::optional<Bounded> log1p_of_exp(fp::dd::Dd E);

}  // namespace softcheck::reference::fast
