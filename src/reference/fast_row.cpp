// The softmax family's fast reference path: see fast_row.hpp and proofs/fast-reference.md.
//
// With m = max x (first at a), d_j = x_j - m (exact double-doubles), e_j = exp(d_j):
//   s = sum_{j != a} e_j,  S = 1 + s,  L = log1p(s)
//   softmax_j = e_j / S,  log_softmax_j = d_j - L,  logsumexp = m + L,  loss = L - d_y,
//   gradient_j = softmax_j (j != y),  gradient_y = -t / S,  t = sum_{j != y} e_j.
// Every value carries an absolute error bound built from fast_exp's and double_double.hpp's
// proven relative bounds; decide() turns (value, bound) into a correctly rounded Exact or
// gives up.
#include "reference/fast_row.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "core/double_bits.hpp"
#include "reference/double_double.hpp"
#include "reference/fast_exp.hpp"

namespace softcheck::reference {
namespace {

using dd::Dd;
using dd::kU2;

// e^d for d.hi below this is < 2^-1075.5: it rounds to +0 in double and every format.
constexpr double kTinyExponent = -745.5;
// e^d for d.hi below this is below 2^-1021, where a double-double loses bits to double's
// subnormal range: such terms stay out of the sums and count as an absolute error.
constexpr double kSubnormalExponent = -708.0;
// fast_exp's domain starts here (e^-750 < 2^-1082).
constexpr double kExpDomain = -750.0;
// Collapsed rows sum their terms (all below 2^-900, from 2^-1082 on) scaled by 2^1100.
constexpr int kCollapseScale = 1100;
// Decisions need a normal double (its neighbours' spacing is then relative).
constexpr double kSmallest = 0x1p-1022;
// Absolute slack of every decision: double-double low parts (and FMA remainders) below
// 2^-1022 lose bits to double's subnormal range, at most a few 2^-1074 in all.
constexpr double kUnderflowSlack = 0x1p-1066;
// Inflation of every computed bound, covering the rounding of the bound arithmetic itself.
constexpr double kBoundSlack = 1 + 0x1p-40;

struct Term {
  Dd value;            // e_j as a plain double-double (0 if tiny, small or masked)
  ScaledDd scaled;     // e_j = m 2^exponent (for d_j >= -750)
  bool tiny = false;   // d_j.hi < kTinyExponent: e_j in (0, 2^-1075.5)
  bool small = false;  // d_j.hi < kSubnormalExponent: e_j < 2^-1021, kept out of the sums
  bool masked = false; // x_j = -inf: e_j = 0
};

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
                            int side = 0) {
  const Dd c = dd::fast_two_sum(base.hi, base.lo);
  double hi = c.hi;
  if (!std::isfinite(hi) || !(std::fabs(hi) >= kSmallest)) return std::nullopt;
  double below = next_down(hi), above = next_up(hi);
  const double slack = std::fabs(hi) < 0x1p-960 ? kUnderflowSlack : 0.0;
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
  if (!(y.hi >= 0x1p-900) || (quantum > -1074 && !(y.hi >= 0x1p52 + 1))) return std::nullopt;
  const double k = std::nearbyint(y.hi);
  const double fraction = (y.hi - k) + y.lo;  // y.hi - k is exact; the sum within 2^-53
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
  return decide(sum, 0.0, c_bound + std::fabs(sum.hi) * 3.0001 * kU2 * kBoundSlack, format);
}

// Absolute bound for a value whose relative error is `relative`.
double relative_bound(Dd v, double relative) { return std::fabs(v.hi) * relative * kBoundSlack; }

struct LogResult {
  Dd value;
  double bound;  // absolute
};

// log1p(s) for s with |computed - s| <= s_bound, S = 1 + s with |S - 1 - s| <= S_bound.
std::optional<LogResult> log1p_bounded(Dd s, double s_bound, Dd one_plus_s, double S_bound) {
  if (s.hi <= 0x1p-20) {
    // s - s^2/2 + s^3/3 - s^4/4 + s^5/5: truncation < s^6/6 < 2^-120 s; Horner in
    // double-double with terms shrinking by s <= 2^-20, so each step costs ~7 u^2 relative
    // of a value within 2^-19 of s's coefficient; log1p's condition at s is <= 1.
    static const Dd third = dd::div({1.0, 0.0}, {3.0, 0.0});
    static const Dd fifth = dd::div({1.0, 0.0}, {5.0, 0.0});
    Dd p = fifth;
    p = dd::add(dd::mul(p, s), -0.25);
    p = dd::add(dd::mul(p, s), third);
    p = dd::add(dd::mul(p, s), -0.5);
    p = dd::add(dd::mul(p, s), 1.0);
    const Dd value = dd::mul(p, s);
    // Below 2^-960 the products lose bits to underflow: a few 2^-1074, in kUnderflowSlack.
    return LogResult{value, s_bound + relative_bound(value, 64 * kU2) + kUnderflowSlack};
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
  return LogResult{value, bound};
}

// Exactly known results (reference::exactly's values, and the signed zeros of underflow).
constexpr Exact kZero{0.0, 0.0, 0.0};
constexpr Exact kNegativeZero{-0.0, -0.0, -0.0};
constexpr Exact kMasked{-HUGE_VAL, -HUGE_VAL, 0.0};  // log_softmax of a masked entry

class FastRow {
 public:
  FastRow(std::span<const double> x, Format format, std::size_t target)
      : x_(x), format_(format), target_(target), n_(x.size()) {}

  std::optional<RowReference> run() {
    std::size_t finite = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      if (x_[i] == -HUGE_VAL) continue;  // masked
      if (!std::isfinite(x_[i])) return std::nullopt;
      if (finite == 0 || x_[i] > m_) m_ = x_[i], a_ = i;
      ++finite;
    }
    if (finite == 1) return lone();
    target_masked_ = x_[target_] == -HUGE_VAL;
    if (!terms()) return std::nullopt;
    if (s_.hi + s_bound_ < 0x1p-901) return collapsed();
    one_plus_s_ = dd::add(s_, 1.0);
    S_bound_ = s_bound_ + relative_bound(one_plus_s_, 2 * kU2);
    const auto log = log1p_bounded(s_, s_bound_, one_plus_s_, S_bound_);
    if (!log) return std::nullopt;
    log_ = *log;
    return outputs();
  }

 private:
  // d_j, e_j, s and t with their absolute bounds; the bound of the tiny terms' sum.
  bool terms() {
    d_.resize(n_);
    e_.assign(n_, Term{});
    // d_j, and e_j for every entry in exp's domain (d_j >= -750) in one batch.
    exp_in_.clear();
    exp_index_.clear();
    for (std::size_t j = 0; j < n_; ++j) {
      if (x_[j] == -HUGE_VAL) {
        e_[j].masked = true;
        continue;
      }
      d_[j] = dd::two_sum(x_[j], -m_);
      if (!std::isfinite(d_[j].hi)) return false;
      if (d_[j].hi >= kExpDomain) {
        exp_in_.push_back(d_[j]);
        exp_index_.push_back(j);
      }
    }
    exp_out_.resize(exp_in_.size());
    fast_exp_batch(exp_in_, exp_out_);
    for (std::size_t k = 0; k < exp_index_.size(); ++k) e_[exp_index_[k]].scaled = exp_out_[k];
    // The sum over j not in {a, y}, in four interleaved partial sums (for instruction-level
    // parallelism; the bound below counts every addition, whatever the order).
    Dd partial[4] = {};
    double tiny_mass = 0;
    std::size_t additions = 0;
    for (std::size_t j = 0; j < n_; ++j) {
      Term& t = e_[j];
      if (t.masked) continue;
      if (d_[j].hi < kSubnormalExponent) {
        // e_j <= 2^(d_j / ln 2 + 1): an absolute error of the sums instead of a term.
        t.small = true;
        t.tiny = d_[j].hi < kTinyExponent;
        const double log2_term = std::fmax(d_[j].hi / std::log(2.0), -3000.0) + 2;
        tiny_mass += std::fmax(scale2(1.0, static_cast<int>(log2_term)), 0x1p-1074);
      } else {
        t.value = dd::ldexp(t.scaled.m, t.scaled.exponent);
        if (std::fabs(t.value.hi) < 0x1p-960) tiny_mass += 0x1p-1070;  // lo may underflow
      }
      if (j == a_ || j == target_) continue;
      partial[j % 4] = dd::add(partial[j % 4], t.value);
      ++additions;
    }
    const Dd q = dd::add(dd::add(partial[0], partial[1]), dd::add(partial[2], partial[3]));
    additions += 3;
    // Non-negative terms, each within kFastExpError relative; every addition adds 3.0001 u^2
    // of a partial sum <= the final one.
    const double sum_relative = kFastExpError + (additions + 2) * 3.0001 * kU2;
    const bool y_in_q = target_ == a_ || target_masked_;
    const Dd e_y = y_in_q ? Dd{0, 0} : e_[target_].value;
    s_ = y_in_q ? q : dd::add(q, e_y);
    s_bound_ = relative_bound(s_, sum_relative) + tiny_mass;
    t_ = target_ == a_ ? q : dd::add(q, 1.0);  // sum_{j != y} e_j (unused if y is masked)
    t_bound_ = relative_bound(t_, sum_relative + 2 * kU2) + tiny_mass;
    return true;
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
    constexpr double kOnS = 0x1p-899;  // bound on L, and on the relative shift by 1 + s
    RowReference row;
    row.softmax.assign(n_, kZero);
    row.log_softmax.assign(n_, kMasked);
    row.ce_gradient.assign(n_, kZero);
    for (std::size_t j = 0; j < n_; ++j) {
      if (e_[j].masked) continue;
      if (j == a_) {
        row.softmax[j] = {1.0, 1.0, -0.0};  // 1 / (1 + s), just below 1
        const auto l = near_s(true);        // -log1p(s)
        if (!l) return std::nullopt;
        row.log_softmax[j] = *l;
      } else {
        if (!e_[j].tiny) {  // a tiny e_j / (1 + s) is below 2^-1075.5: +0
          const auto p = decide_scaled(e_[j].scaled.m, e_[j].scaled.exponent,
                                       kFastExpError + kOnS, format_);
          if (!p) return std::nullopt;
          row.softmax[j] = *p;
        }
        const auto l = decide(d_[j], 0.0, kOnS, format_, -1);  // d_j - L
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
      const auto loss = decide(dd::negate(d_[target_]), 0.0, kOnS, format_, +1);  // L - d_y
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
      if (e_[j].masked || j == a_) continue;
      if (d_[j].hi < kExpDomain) {
        const double log2_term = std::fmax(d_[j].hi / std::log(2.0), -3000.0) + 2 + kCollapseScale;
        left_out += std::fmax(scale2(1.0, static_cast<int>(log2_term)), 0x1p-1070);
        continue;
      }
      const ScaledDd e = e_[j].scaled;
      sum = dd::add(sum, dd::ldexp(e.m, e.exponent + kCollapseScale));
      ++additions;
    }
    if (!(sum.hi > 0)) {
      // Nothing above 2^-1082: s rounds to 0 on double's grid if left_out is below 2^-1076.
      collapse_scaled_ = {0, 0};
      return left_out < 0x1p+24;  // 2^-1076 scaled
    }
    collapse_scaled_ = sum;
    collapse_relative_ =
        (kFastExpError + (additions + 1) * 3.0001 * kU2 + left_out / sum.hi) * kBoundSlack;
    return sum.hi * (1 + collapse_relative_) < 0x1p+200;  // 2^-900 scaled
  }

  // The Exact of v or -v (negative) for a v within 2^-899 relative below s: log1p(s),
  // s / (1 + s).
  std::optional<Exact> near_s(bool negative) const {
    if (collapse_scaled_.hi == 0) return negative ? kNegativeZero : kZero;
    return decide_scaled(negative ? dd::negate(collapse_scaled_) : collapse_scaled_,
                         -kCollapseScale, collapse_relative_ + 0x1p-899, format_);
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
      if (e_[j].masked) continue;
      // softmax_j; a tiny one is below 2^-1075.5: +0 in double and every format.
      if (!e_[j].tiny) {
        const Dd q = dd::mul(e_[j].scaled.m, inverse_S);
        const auto p = decide_scaled(q, e_[j].scaled.exponent,
                                     kFastExpError + S_relative + 20 * kU2, format_);
        if (!p) return std::nullopt;
        row.softmax[j] = *p;
      }
      // log_softmax_j = d_j - L: both terms <= 0, no cancellation.
      const auto l = decide_sum(d_[j], dd::negate(log_.value), log_.bound, format_, -1);
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
    const auto loss_exact = decide_sum(dd::negate(d_[target_]), log_.value, log_.bound, format_, +1);
    const Dd g = dd::negate(dd::div(t_, one_plus_s_));
    const auto g_exact = decide_scaled(g, 0, t_bound_ / t_.hi + S_relative + 20 * kU2, format_);
    if (!loss_exact || !g_exact) return std::nullopt;
    row.ce_loss = *loss_exact;
    row.ce_gradient[target_] = *g_exact;
    return row;
  }

  std::span<const double> x_;
  Format format_;
  std::size_t target_, n_;
  double m_ = 0;
  std::size_t a_ = 0;
  bool target_masked_ = false;
  // Per-thread scratch, reused from row to row.
  static thread_local std::vector<Dd> d_;
  static thread_local std::vector<Term> e_;
  static thread_local std::vector<Dd> exp_in_;
  static thread_local std::vector<std::size_t> exp_index_;
  static thread_local std::vector<ScaledDd> exp_out_;
  Dd s_, t_, one_plus_s_;
  double s_bound_ = 0, t_bound_ = 0, S_bound_ = 0;
  Dd collapse_scaled_;             // collapsed rows: s 2^kCollapseScale
  double collapse_relative_ = 0;   // its relative bound
  LogResult log_{};
};

thread_local std::vector<Dd> FastRow::d_;
thread_local std::vector<Term> FastRow::e_;
thread_local std::vector<Dd> FastRow::exp_in_;
thread_local std::vector<std::size_t> FastRow::exp_index_;
thread_local std::vector<ScaledDd> FastRow::exp_out_;

}  // namespace

std::optional<RowReference> fast_row(std::span<const double> x, Format format,
                                     std::size_t target) {
  return FastRow(x, format, target).run();
}

}  // namespace softcheck::reference
