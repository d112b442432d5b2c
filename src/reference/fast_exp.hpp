// exp in double-double arithmetic with a proven relative error bound, for the reference's
// fast path (fast_row.hpp; derivation: proofs/fast-reference.md).
//
// exp(d) = 2^q * T_j * p(r), with k = round(d * 256 / ln 2) = 256 q + j (0 <= j < 256),
// r = d - k ln2/256 (Cody-Waite with ln2/256 in three pieces, |r| <= ln2/512 + 2^-100),
// T_j = 2^(j/256) and p the degree-9 Taylor polynomial of exp, evaluated by Horner at r.hi
// (the terms of degree >= 5 in double, the rest in double-double) and multiplied by 1 + r.lo.
// The tables (T_j, 1/i!, the pieces of ln2/256) are correctly rounded values computed with
// MPFR once, at first use. fast_exp_batch does the same operations for many arguments, the
// reduction and polynomial as one loop the compiler vectorizes (every lane the same IEEE
// operations, so the same results and bound).
#pragma once

#include <span>

#include "fp/double_double.hpp"

namespace softcheck::reference {

// The result m * 2^exponent, with m in [0.98, 2.03].
struct ScaledDd {
  fp::dd::Dd m;
  int exponent;
};

// |computed - exp(d)| <= kFastExpError * exp(d) for -750 <= d.hi <= 0 (d = d.hi + d.lo, a
// normalised double-double): 14 u^2 proven (proofs/fast-reference.md), 20 u^2 stated.
inline constexpr double kFastExpError = 20 * fp::dd::kU2;

ScaledDd fast_exp(fp::dd::Dd d);

// out[i] = fast_exp(d[i]) (out.size() >= d.size()).
void fast_exp_batch(std::span<const fp::dd::Dd> d, std::span<ScaledDd> out);

}  // namespace softcheck::reference
