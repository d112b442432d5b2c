// The softmax family's fast reference path: see fast_row.hpp and proofs/fast-reference.md.
//
// With m = max x (first at a), d_j = x_j - m (exact double-doubles), e_j = exp(d_j):
//   s = sum_{j != a} e_j,  S = 1 + s,  L = log1p(s)
//   softmax_j = e_j / S,  log_softmax_j = d_j - L,  logsumexp = m + L,  loss = L - d_y,
//   gradient_j = softmax_j (j != y),  gradient_y = -t / S,  t = sum_{j != y} e_j.
// Every value carries an absolute error bound built from fast_exp's and fp/double_double.hpp's
// proven relative bounds; decide() turns (value, bound) into a correctly rounded Exact or
// gives up.
#include "reference/fast_row.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "core/double_bits.hpp"
#include "fp/constants.hpp"
#include "fp/double_double.hpp"
#include "fp/two_sum.hpp"
#include "reference/fast_decide.hpp"
#include "reference/fast_exp.hpp"
#include "reference/fast_terms.hpp"

namespace softcheck::reference {
namespace {

using namespace fast;

// Softmax collapse (proofs/fast-reference.md, "Collapse"): s below kCollapseBound =
// fp::kDdMarginFloor = 2^-900, where double-double sums no longer keep their bits. A row
// whose s + bound is below kCollapseEntry goes to collapsed(), which sums s again scaled by
// 2^kCollapseScale (every term from 2^-1082 on is then a normal double-double) and requires
// s < kCollapseBound, i.e. the scaled sum below kCollapseBoundScaled.
constexpr double kCollapseBound = fp::kDdMarginFloor;
constexpr int kCollapseScale = 1100;
constexpr double kCollapseBoundScaled = 0x1p+200;  // kCollapseBound 2^kCollapseScale
static_assert(kCollapseScale == 550 + 550 &&
              kCollapseBoundScaled == kCollapseBound * 0x1p+550 * 0x1p+550);
// In a collapsed row: the bound on L = log1p(s) in (0, s], and on the relative shift by
// 1 + s (e_j / (1 + s) is within it of e_j; s / (1 + s) and log1p(s) of s), 2 kCollapseBound.
constexpr double kOnS = 2 * kCollapseBound;  // 2^-899

constexpr Exact kMasked{-HUGE_VAL, -HUGE_VAL, 0.0};  // log_softmax of a masked entry

class FastRow {
 public:
  FastRow(std::span<const double> x, Format format, std::size_t target)
      : x_(x), format_(format), target_(target), n_(x.size()) {}

  std::optional<RowReference> run() {
    const auto maximum = row_maximum(x_);
    if (!maximum) return std::nullopt;
    m_ = maximum->value, a_ = maximum->index;
    if (maximum->finite == 1) return lone();
    target_masked_ = x_[target_] == -HUGE_VAL;
    if (!terms()) return std::nullopt;
    if (s_.hi + s_bound_ < kCollapseEntry) return collapsed();
    one_plus_s_ = dd::add(s_, 1.0);
    S_bound_ = s_bound_ + relative_bound(one_plus_s_, 2 * kU2);
    const auto log = log1p_bounded(s_, s_bound_, one_plus_s_, S_bound_);
    if (!log) return std::nullopt;
    log_ = *log;
    return outputs();
  }

 private:
  // d_j, e_j, s and t with their absolute bounds (fast_terms.hpp).
  bool terms() {
    ExpTerms& terms = exp_terms();
    if (!terms.compute(x_, m_, a_, target_, 1.0)) return false;
    d_ = &terms.d;
    e_ = &terms.e;
    s_ = terms.s, t_ = terms.t;
    s_bound_ = terms.s_bound, t_bound_ = terms.t_bound;
    return true;
  }

  // Per-thread scratch, reused from row to row.
  static ExpTerms& exp_terms() {
    static thread_local ExpTerms terms;
    return terms;
  }

  // One finite entry a (the others masked): softmax_a = 1, log_softmax_a = 0, logsumexp = m,
  // and the loss and gradient of a target at a (0, 0) or masked (+inf, -1), all exact.
  RowReference lone() const {
    RowReference row;
    row.softmax.assign(n_, kZero);
    row.log_softmax.assign(n_, kMasked);
    row.ce_gradient.assign(n_, kZero);
    row.softmax[a_] = {1.0, 1.0, 0.0};
    row.log_softmax[a_] = kZero;
    row.logsumexp = {m_ + 0.0, m_ + 0.0, 0.0};  // m + log 1 (+0 for m = -0)
    row.ce_loss = target_ == a_ ? kZero : Exact{HUGE_VAL, HUGE_VAL, 0.0};
    row.ce_gradient[a_] = target_ == a_ ? kZero : row.softmax[a_];
    if (target_ != a_) row.ce_gradient[target_] = {-1.0, -1.0, 0.0};
    return row;
  }

  // Softmax collapse: s = sum_{j != a} e_j < 2^-900, below the range where double-double
  // sums keep their bits. s is summed scaled by 2^kCollapseScale (collapse_sum), and every
  // output is exact or decided from s, e_j and d_j: 1 / (1 + s) and -1 + e_y / (1 + s) round
  // to 1 and -1 (their exact_lo, below 2^-900, taken as 0); e_j / (1 + s) and the multiples
  // of s (log1p(s), s / (1 + s)) are within 2^-899 relative of e_j and s; d_j - L, m + L and
  // L - d_y are decided with the bound 2^-899 on L = log1p(s) in (0, s].
  std::optional<RowReference> collapsed() {
    if (!collapse_sum()) return std::nullopt;
    RowReference row;
    row.softmax.assign(n_, kZero);
    row.log_softmax.assign(n_, kMasked);
    row.ce_gradient.assign(n_, kZero);
    for (std::size_t j = 0; j < n_; ++j) {
      if (e(j).masked) continue;
      if (j == a_) {
        row.softmax[j] = {1.0, 1.0, -0.0};  // 1 / (1 + s), just below 1
        const auto l = near_s(true);        // -log1p(s)
        if (!l) return std::nullopt;
        row.log_softmax[j] = *l;
      } else {
        if (!e(j).tiny) {  // a tiny e_j / (1 + s) is below 2^-1075.5: +0
          const auto p = decide_scaled(e(j).scaled.m, e(j).scaled.exponent,
                                       kFastExpError + kOnS, format_);
          if (!p) return std::nullopt;
          row.softmax[j] = *p;
        }
        const auto l = decide(d(j), 0.0, kOnS, format_, -1);  // d_j - L
        if (!l) return std::nullopt;
        row.log_softmax[j] = *l;
      }
      if (j != target_) row.ce_gradient[j] = row.softmax[j];
    }
    const auto lse = m_ == 0 ? near_s(false) : decide({m_, 0.0}, 0.0, kOnS, format_, +1);  // m + L
    if (!lse) return std::nullopt;
    row.logsumexp = *lse;
    if (target_masked_) {
      row.ce_loss = {HUGE_VAL, HUGE_VAL, 0.0};
      row.ce_gradient[target_] = {-1.0, -1.0, 0.0};
    } else if (target_ == a_) {
      const auto loss = near_s(false), gradient = near_s(true);  // L, -s / (1 + s)
      if (!loss || !gradient) return std::nullopt;
      row.ce_loss = *loss;
      row.ce_gradient[target_] = *gradient;
    } else {
      const auto loss = decide(dd::negate(d(target_)), 0.0, kOnS, format_, +1);  // L - d_y
      if (!loss) return std::nullopt;
      row.ce_loss = *loss;
      row.ce_gradient[target_] = {-1.0, -1.0, 0.0};  // -1 + e_y / (1 + s), just above -1
    }
    return row;
  }

  // s 2^kCollapseScale as a double-double (collapse_scaled_) with a relative bound
  // (collapse_relative_) covering the sum's rounding, exp's error and the terms below exp's
  // domain (d_j < -750, e_j < 2^(d_j / ln 2 + 1) each); false unless s < 2^-900.
  bool collapse_sum() {
    Dd sum{0, 0};
    double left_out = 0;  // scaled
    std::size_t additions = 0;
    for (std::size_t j = 0; j < n_; ++j) {
      if (e(j).masked || j == a_) continue;
      if (d(j).hi < kExpDomain) {
        left_out += exp_upper_bound(d(j), kCollapseScale, fp::kSubnormalSlack);
        continue;
      }
      const ScaledDd term = e(j).scaled;
      sum = dd::add(sum, dd::ldexp(term.m, term.exponent + kCollapseScale));
      ++additions;
    }
    if (!(sum.hi > 0)) {
      // Nothing above 2^-1082: s rounds to 0 on double's grid if left_out is below 2^-1076.
      collapse_scaled_ = {0, 0};
      return left_out < 0x1p+24;  // 2^-1076 scaled
    }
    collapse_scaled_ = sum;
    collapse_relative_ =
        (kFastExpError + (additions + 1) * dd::kAddDdBound * kU2 + left_out / sum.hi) *
        kBoundSlack;
    return sum.hi * (1 + collapse_relative_) < kCollapseBoundScaled;
  }

  // The Exact of v or -v (negative) for a v within 2^-899 relative below s: log1p(s),
  // s / (1 + s).
  std::optional<Exact> near_s(bool negative) const {
    if (collapse_scaled_.hi == 0) return negative ? kNegativeZero : kZero;
    return decide_scaled(negative ? dd::negate(collapse_scaled_) : collapse_scaled_,
                         -kCollapseScale, collapse_relative_ + kOnS, format_);
  }

  std::optional<RowReference> outputs() {
    RowReference row;
    row.softmax.assign(n_, kZero);
    row.log_softmax.assign(n_, kMasked);
    row.ce_gradient.assign(n_, kZero);
    const double S_relative = S_bound_ / one_plus_s_.hi;
    // e_j / S as e_j (1 / S): DWDivDW2 (15 u^2) and DWTimesDW3 (4 u^2), within the 20 u^2 of
    // a division budgeted below.
    const Dd inverse_S = dd::div({1.0, 0.0}, one_plus_s_);
    for (std::size_t j = 0; j < n_; ++j) {
      if (e(j).masked) continue;
      // softmax_j; a tiny one is below 2^-1075.5: +0 in double and every format.
      if (!e(j).tiny) {
        const Dd q = dd::mul(e(j).scaled.m, inverse_S);
        const auto p = decide_scaled(q, e(j).scaled.exponent,
                                     kFastExpError + S_relative + 20 * kU2, format_);
        if (!p) return std::nullopt;
        row.softmax[j] = *p;
      }
      // log_softmax_j = d_j - L: both terms <= 0, no cancellation.
      const auto l = decide_sum(d(j), dd::negate(log_.value), log_.bound, format_, -1);
      if (!l) return std::nullopt;
      row.log_softmax[j] = *l;
      if (j != target_) row.ce_gradient[j] = row.softmax[j];
    }
    const auto lse_exact = decide_sum({m_, 0.0}, log_.value, log_.bound, format_, +1);
    if (!lse_exact) return std::nullopt;
    row.logsumexp = *lse_exact;
    if (target_masked_) {
      row.ce_loss = {HUGE_VAL, HUGE_VAL, 0.0};        // -log 0
      row.ce_gradient[target_] = {-1.0, -1.0, 0.0};   // 0 - 1
      return row;
    }
    const auto loss_exact = decide_sum(dd::negate(d(target_)), log_.value, log_.bound, format_, +1);
    const Dd g = dd::negate(dd::div(t_, one_plus_s_));
    const auto g_exact = decide_scaled(g, 0, t_bound_ / t_.hi + S_relative + 20 * kU2, format_);
    if (!loss_exact || !g_exact) return std::nullopt;
    row.ce_loss = *loss_exact;
    row.ce_gradient[target_] = *g_exact;
    return row;
  }

  const Dd& d(std::size_t j) const { return (*d_)[j]; }
  const Term& e(std::size_t j) const { return (*e_)[j]; }

  std::span<const double> x_;
  Format format_;
  std::size_t target_, n_;
  double m_ = 0;
  std::size_t a_ = 0;
  bool target_masked_ = false;
  const std::vector<Dd>* d_ = nullptr;
  const std::vector<Term>* e_ = nullptr;
  Dd s_, t_, one_plus_s_;
  double s_bound_ = 0, t_bound_ = 0, S_bound_ = 0;
  Dd collapse_scaled_;             // collapsed rows: s 2^kCollapseScale
  double collapse_relative_ = 0;   // its relative bound
  Bounded log_{};
};

}  // namespace

std::optional<RowReference> fast_row(std::span<const double> x, Format format,
                                     std::size_t target) {
  return FastRow(x, format, target).run();
}

}  // namespace softcheck::reference
