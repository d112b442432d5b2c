// StableMax's fast reference path: see fast_row.hpp (fast_stablemax_row) and
// proofs/fast-reference.md ("StableMax").
//
// For a row with finite entries (a = first argmax, y = target), the quantities of
// stablemax_reference.cpp in double-double with relative error bounds:
//   s_j = x_j + 1 (x_j >= 0, exact),  1 / (1 - x_j) (x_j < 0; 1 - x_j exact, DWDivDW2)
//   R = sum_{j != a} s_j,  S = s_a + R,  T = sum_{j != y} s_j   (positive terms)
//   stablemax_j = s_j (1/S)
//   L_a = log1p(R / s_a),  L_j = log1p((S - s_j) / s_j) (j != a: S - s_j >= s_a >= s_j,
//   so S - s_j >= S / 2 and the subtraction at most doubles the relative errors)
//   log_stablemax_j = -L_j,  loss = L_y
//   gradient_j = 1/S (x_j >= 0),  s_j^2 (1/S) (x_j < 0)  for j != y;
//   gradient_y = -(T (1/S)) / (1 + |x_y|)
// An output whose interval is not settled (a rational output exactly at a rounding boundary,
// for one) sends the row to MPFR, whose exact rational evaluation decides it.
#include <cmath>
#include <vector>

#include "fp/constants.hpp"
#include "fp/double_double.hpp"
#include "fp/two_sum.hpp"
#include "reference/fast_decide.hpp"
#include "reference/fast_row.hpp"
#include "reference/stablemax_reference.hpp"

namespace softcheck::reference {
namespace {

using namespace fast;

// Relative error of s_j: exact for x_j >= 0, DWDivDW2 for x_j < 0.
constexpr double kReciprocalError = 15 * kU2;
// An s_j, R, S - s_j or T below fp::kDdNormalFloor (where a double-double loses bits to
// double's subnormal range, or 0) sends the row to MPFR.

class FastStableMaxRow {
 public:
  FastStableMaxRow(std::span<const double> x, Format format, std::size_t target)
      : x_(x), format_(format), target_(target), n_(x.size()) {}

  std::optional<StableMaxReference> run() {
    s_.assign(n_, Dd{0, 0});
    masked_.assign(n_, false);
    std::size_t finite = 0, additions = 0;
    for (std::size_t j = 0; j < n_; ++j) {
      if (x_[j] == -HUGE_VAL) {
        masked_[j] = true;
        continue;
      }
      if (finite == 0 || x_[j] > x_[a_]) a_ = j;
      ++finite;
      s_[j] = x_[j] >= 0 ? fp::two_sum(x_[j], 1.0) : dd::div({1.0, 0.0}, fp::two_sum(1.0, -x_[j]));
      if (!(s_[j].hi >= fp::kDdNormalFloor) || !std::isfinite(s_[j].hi)) return std::nullopt;
    }
    if (finite < 2) return std::nullopt;
    Dd r{0, 0}, t{0, 0};
    for (std::size_t j = 0; j < n_; ++j) {
      if (masked_[j]) continue;
      if (j != a_) r = dd::add(r, s_[j]);
      if (j != target_) t = dd::add(t, s_[j]);
      ++additions;
    }
    S_ = dd::add(s_[a_], r);
    if (!std::isfinite(S_.hi)) return std::nullopt;
    // Positive terms within kReciprocalError each; every addition 3.0001 u^2 of a partial
    // sum <= the final one.
    sum_relative_ = kReciprocalError + (additions + 2) * dd::kAddDdBound * kU2;
    R_ = r;
    T_ = t;
    inverse_S_ = dd::div({1.0, 0.0}, S_);  // 15 u^2 of 1/S_computed
    inverse_relative_ = sum_relative_ + 15 * kU2;
    return outputs();
  }

 private:
  std::optional<StableMaxReference> outputs() {
    StableMaxReference row;
    row.stablemax.assign(n_, kZero);                     // masked: +0
    row.log_stablemax.assign(n_, {-HUGE_VAL, -HUGE_VAL, 0.0});  // log 0
    row.gradient.assign(n_, kZero);                      // masked (also a masked target): 0
    row.loss = {HUGE_VAL, HUGE_VAL, 0.0};                // a masked target: -log 0
    for (std::size_t j = 0; j < n_; ++j) {
      if (masked_[j]) continue;
      const double s_relative = x_[j] >= 0 ? 0.0 : kReciprocalError;
      // s_j (1/S): the product DWTimesDW3.
      const auto p = decide_scaled(dd::mul(s_[j], inverse_S_), 0,
                                   s_relative + inverse_relative_ + 4 * kU2, format_);
      const auto L = log_ratio(j, s_relative);
      if (!p || !L) return std::nullopt;
      row.stablemax[j] = *p;
      const auto l = decide(dd::negate(L->value), 0.0, L->bound, format_);
      if (!l) return std::nullopt;
      row.log_stablemax[j] = *l;
      if (j == target_) {
        const auto loss = decide(L->value, 0.0, L->bound, format_);
        const auto g = target_gradient();
        if (!loss || !g) return std::nullopt;
        row.loss = *loss;
        row.gradient[j] = *g;
      } else {
        const auto g = x_[j] >= 0
                           ? decide_scaled(inverse_S_, 0, inverse_relative_, format_)
                           : decide_scaled(dd::mul(dd::mul(s_[j], s_[j]), inverse_S_), 0,
                                           2 * s_relative + inverse_relative_ + 8 * kU2, format_);
        if (!g) return std::nullopt;
        row.gradient[j] = *g;
      }
    }
    return row;
  }

  // L_j = -log_stablemax_j with its absolute bound: log1p of R / s_a or (S - s_j) / s_j.
  std::optional<Bounded> log_ratio(std::size_t j, double s_relative) const {
    Dd numerator;
    double numerator_relative;
    if (j == a_) {
      numerator = R_;
      numerator_relative = sum_relative_;
    } else {
      // S - s_j >= S / 2: its error, S's and s_j's, is at most doubled, plus AccurateDWPlusDW.
      numerator = dd::add(S_, dd::negate(s_[j]));
      numerator_relative = 2 * (sum_relative_ + s_relative) + dd::kAddDdBound * kU2;
    }
    if (!(numerator.hi >= fp::kDdNormalFloor)) return std::nullopt;  // R = 0 or near underflow
    const Dd ratio = dd::div(numerator, s_[j]);
    // log1p_bounded's Newton step needs e^-log1p(ratio) above 2^-900, a normal double-double.
    if (!(ratio.hi < 1 / fp::kDdMarginFloor)) return std::nullopt;  // 2^900
    const double ratio_bound = relative_bound(ratio, numerator_relative + s_relative + 15 * kU2);
    const Dd one_plus = dd::add(ratio, 1.0);
    if (!std::isfinite(one_plus.hi)) return std::nullopt;
    return log1p_bounded(ratio, ratio_bound, one_plus,
                         ratio_bound + relative_bound(one_plus, 2 * kU2));
  }

  // -(T (1/S)) / (1 + |x_y|): DWTimesDW3, then DWDivDW2 by the exact 1 + |x_y|.
  std::optional<Exact> target_gradient() const {
    if (!(T_.hi >= fp::kDdNormalFloor)) return std::nullopt;  // T = 0: a lone finite target
    const Dd quotient = dd::div(dd::mul(T_, inverse_S_), fp::two_sum(1.0, std::fabs(x_[target_])));
    return decide_scaled(dd::negate(quotient), 0, sum_relative_ + inverse_relative_ + 19 * kU2,
                         format_);
  }

  std::span<const double> x_;
  Format format_;
  std::size_t target_, n_;
  std::size_t a_ = 0;
  std::vector<Dd> s_;
  std::vector<bool> masked_;
  Dd R_, S_, T_, inverse_S_;
  double sum_relative_ = 0, inverse_relative_ = 0;
};

}  // namespace

std::optional<StableMaxReference> fast_stablemax_row(std::span<const double> x, Format format,
                                                     std::size_t target) {
  return FastStableMaxRow(x, format, target).run();
}

}  // namespace softcheck::reference
