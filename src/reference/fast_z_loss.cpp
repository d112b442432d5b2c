// The fast reference path of the spherical Z-loss (z_loss_reference.cpp): see fast_row.hpp
// (fast_z_loss_row) and proofs/fast-reference.md ("Z-loss").
//
// The quantities of z_loss_reference.cpp in double-double, each with an absolute or relative
// bound: with e_k = x_k - x_c (exact), S1 = sum e_k, S2 = sum e_k^2, D = n S2 - S1^2,
//   z_c = -S1 / sqrt(D),  t = a (b - z_c),  loss = softplus(t) / a,  s = sigmoid(t),
//   F = s n / D^(3/2),  g_j = F P_j (P_j = S2 - e_j S1, j != c),  g_c = -F R
//   (R = (n - 1) S2 - S1^2).
// D, P_j and R may cancel (P_j and R are exactly 0 in every n = 2 row: its gradient is +0
// throughout): a row whose D, P_j or R is not known to 2^-84 of its value, or an output not
// to 2^-80, goes to MPFR's exact sums, as do rows with a NaN or an
// infinity, n < 2, a constant row, |t| > 700 or values beyond the range where D^(3/2) stays
// a normal double-double.
#include <cmath>
#include <vector>

#include "fp/constants.hpp"
#include "fp/double_double.hpp"
#include "fp/two_sum.hpp"
#include "reference/fast_decide.hpp"
#include "reference/fast_exp.hpp"
#include "reference/fast_row.hpp"

namespace softcheck::reference {
namespace {

using namespace fast;

// A result is decided only when its relative bound is within this, so that exact_lo agrees
// with MPFR's to 2^-80 as on every fast path (tests/unit/reference_fast_row.cpp); a sum or
// difference that may cancel (D, P_j, R) is used only within a sixteenth of it.
constexpr double kMaxRelative = 0x1p-80;
constexpr double kMaxCancellation = kMaxRelative / 16;
// Rows whose entries (and so e_k) exceed this go to MPFR: D^(3/2) <= n^3 (2 max|e|)^3 must
// stay finite, and D at least 2^-900 (a normal double-double) is required below.
constexpr double kMaxMagnitude = 0x1p+250;
// sigmoid and softplus take fast_exp of -|t|: |t| up to 700.
constexpr double kMaxT = 700.0;

// Whether a sum or difference that may cancel is known well enough to be used.
bool settled(const Bounded& b) { return b.bound <= kMaxCancellation * std::fabs(b.value.hi); }

}  // namespace

std::optional<LossReference> fast_z_loss_row(const LossParameters& parameters,
                                             std::span<const double> x, Format format,
                                             std::size_t c) {
  const std::size_t count = x.size();
  if (count < 2 || c >= count || count >= (std::size_t{1} << 30)) return std::nullopt;
  for (double v : x)
    if (!(std::fabs(v) <= kMaxMagnitude)) return std::nullopt;  // NaN, inf, huge
  const double n = static_cast<double>(count), a = parameters.a, b = parameters.b;
  // S1, S2 with every addition within 3.0001 u^2 of the partial sum it makes, the squares
  // DWTimesDW3 (4 u^2, positive), products below 2^-960 with kUnderflowSlack.
  std::vector<Dd> e(count);
  Dd s1{0, 0}, s2{0, 0};
  double partials1 = 0, partials2 = 0, slack = 0;
  for (std::size_t k = 0; k < count; ++k) {
    e[k] = fp::two_sum(x[k], -x[c]);
    s1 = dd::add(s1, e[k]);
    partials1 += std::fabs(s1.hi);
    const Dd square = dd::mul(e[k], e[k]);
    if (square.hi != 0 && square.hi < fp::kDdNormalFloor) slack += kUnderflowSlack;
    s2 = dd::add(s2, square);
    partials2 += std::fabs(s2.hi);
  }
  const double rounding = (1 + 0x1p-30) * kBoundSlack;
  const Bounded S1{s1, dd::kAddDdBound * kU2 * partials1 * rounding};
  const Bounded S2{s2, (4 * kU2 * s2.hi + dd::kAddDdBound * kU2 * partials2 + slack) * rounding};
  const Dd S1_squared = dd::mul(s1, s1);  // 4 u^2
  const double S1_squared_bound =
      (2 * std::fabs(s1.hi) * S1.bound + S1.bound * S1.bound + 4 * kU2 * S1_squared.hi) *
      rounding;
  // D = n S2 - S1^2 and R = (n - 1) S2 - S1^2 (DWTimesFP3 2 u^2, AccurateDWPlusDW).
  const auto difference = [&](double factor) {
    const Dd scaled = dd::mul(s2, factor);
    const Dd v = dd::add(scaled, dd::negate(S1_squared));
    return Bounded{v, (factor * S2.bound + 2 * kU2 * scaled.hi + S1_squared_bound +
                     dd::kAddDdBound * kU2 * std::fabs(v.hi)) *
                        rounding};
  };
  const Bounded D = difference(n);
  if (!(D.value.hi >= fp::kDdMarginFloor) || !settled(D)) return std::nullopt;  // constant, tiny
  // sqrt(D): y0 = sqrt(D.hi) (within u of sqrt(D), as D.lo shifts D by <= u/2), one Newton
  // step y0 + (D - y0^2) / (2 y0) with y0^2 exact (TwoProd): within (1.5 u)^2 / 2 of sqrt(D)
  // plus the step's own rounding (u of a correction <= 1.5 u): 4 u^2 in all, plus half D's
  // relative bound.
  const double y0 = std::sqrt(D.value.hi);
  const Dd residual = dd::add(D.value, dd::negate(fp::two_prod(y0, y0)));
  const Dd root = fp::fast_two_sum(y0, residual.hi / (2 * y0));
  const double root_relative = (D.relative() / 2 * (1 + 0x1p-20) + 4 * kU2) * kBoundSlack;
  const Dd D_3_2 = dd::mul(D.value, root);  // 4 u^2
  const double D_3_2_relative = D.relative() + root_relative + 4 * kU2;
  if (!std::isfinite(D_3_2.hi)) return std::nullopt;
  // z_c = -S1 / sqrt(D) (DWDivDW2), absolute: S1's bound, and the quotient's relative error.
  const Dd z = dd::negate(dd::div(s1, root));
  const double z_bound =
      (S1.bound / root.hi + std::fabs(z.hi) * (root_relative + 15 * kU2)) * rounding;
  // t = a (b - z_c).
  const Dd gap = dd::add(Dd{b, 0.0}, dd::negate(z));
  const Dd t = dd::mul(gap, a);
  const double t_bound =
      (a * (z_bound + dd::kAddDdBound * kU2 * std::fabs(gap.hi)) + 2 * kU2 * std::fabs(t.hi)) *
      rounding;
  if (!(std::fabs(t.hi) <= kMaxT) || !(t_bound <= 0x1p-40)) return std::nullopt;
  // E = e^-|t| in (0, 1]; s = 1 / (1 + E) (t >= 0) or E / (1 + E) (t < 0); its relative
  // error from t's is at most t_bound (d ln s / dt = 1 - s <= 1).
  const Dd minus_abs_t = t.hi >= 0 ? dd::negate(t) : t;
  const ScaledDd exp_t = fast_exp(minus_abs_t);
  const Dd E = dd::ldexp(exp_t.m, exp_t.exponent);
  const Dd one_plus_E = dd::add(E, 1.0);
  const Dd reciprocal = dd::div({1.0, 0.0}, one_plus_E);
  const Dd s = t.hi >= 0 ? reciprocal : dd::mul(E, reciprocal);
  const double s_relative =
      (2 * kFastExpError + 2 * kU2 + 15 * kU2 + 4 * kU2 + kUnderflowSlack / std::fabs(s.hi) +
       t_bound * (1 + 0x1p-30)) *
      kBoundSlack;
  // F = s n / D^(3/2).
  const Dd F = dd::div(dd::mul(s, n), D_3_2);
  const double F_relative = s_relative + 2 * kU2 + 15 * kU2 + D_3_2_relative;

  LossReference row;
  row.gradient.resize(count);
  const Bounded R = difference(n - 1);
  for (std::size_t j = 0; j < count; ++j) {
    if (count == 2) {
      // e_c = 0 and e_j = d: P_j = d^2 - d d and R = d^2 - d^2 are exactly 0, and the MPFR
      // path gives such an exact zero as +0.
      row.gradient[j] = kZero;
      continue;
    }
    Bounded factor = R;  // g_c = -F R
    if (j != c) {      // g_j = F P_j, P_j = S2 - e_j S1
      const Dd product = dd::mul(e[j], s1);
      const Dd p = dd::add(s2, dd::negate(product));
      factor = {p, (S2.bound + std::fabs(e[j].hi) * S1.bound * (1 + 0x1p-50) +
                    4 * kU2 * std::fabs(product.hi) + dd::kAddDdBound * kU2 * std::fabs(p.hi)) *
                       rounding};
    }
    if (!settled(factor)) return std::nullopt;  // cancels (exactly 0 when n = 2)
    Dd g = dd::mul(F, factor.value);  // 4 u^2
    if (j == c) g = dd::negate(g);
    const double relative = F_relative + factor.relative() + 4 * kU2;
    if (!(relative <= kMaxRelative)) return std::nullopt;
    const auto out = decide_scaled(g, 0, relative, format);
    if (!out) return std::nullopt;
    row.gradient[j] = *out;
  }
  // loss = softplus(t) / a = (max(t, 0) + log1p(E)) / a; t's error moves it by at most
  // t_bound (slope s <= 1).
  const auto log = log1p_of_exp(E);
  if (!log) return std::nullopt;
  const Dd softplus = t.hi > 0 ? dd::add(log->value, t) : log->value;
  const double softplus_bound =
      (log->bound + t_bound + dd::kAddDdBound * kU2 * std::fabs(softplus.hi)) * rounding;
  const Dd loss = dd::div(softplus, {a, 0.0});  // 15 u^2
  const double loss_relative = (softplus_bound / std::fabs(softplus.hi) + 15 * kU2) * kBoundSlack;
  if (!(loss_relative <= kMaxRelative)) return std::nullopt;
  const auto loss_exact = decide_scaled(loss, 0, loss_relative, format);
  if (!loss_exact) return std::nullopt;
  row.loss = *loss_exact;
  return row;
}

}  // namespace softcheck::reference
