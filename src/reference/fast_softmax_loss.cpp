// The fast reference path of the softmax-based members of the loss family
// (loss_family_reference.hpp): temperature softmax, the temperature-scaled cross-entropy and
// the comp-sum losses, with their gradients. See fast_row.hpp (fast_softmax_loss_row) and
// proofs/fast-reference.md ("Loss family").
//
// With the terms of fast_terms.hpp (d_j = (x_j - m) / T, e_j, s, t = sum_{j != y} e_j), S = 1 + s,
// L = log1p(s) - d_y (the cross-entropy of x / T; both terms >= 0):
//   temperature softmax:  out_j = e_j / S
//   temperature CE:       loss L,  grad_j = (e_j / S) / T,  grad_y = -(t / S) / T
//   comp-sum, tau = 1:    the cross-entropy (T = 1)
//   comp-sum, c = 1 - tau != 0:
//     loss   = expm1(c L) / c
//     grad_j = exp((x_j - x_y) - tau L)   (j != y; x_j - x_y an exact double-double)
//     grad_y = -(t / S) exp(c L)
//   (outputs whose exponential's argument exceeds 710 overflow every format: +-inf)
// Every value carries an absolute or relative error bound from the building blocks' proven
// ones; fast_decide.hpp turns it into a correctly rounded Exact or gives up, and the row then
// goes to MPFR (softmax_loss_reference.cpp, temperature_softmax_reference.cpp) - as does any
// row with a masked target, or a collapsed sum (s < 2^-901) with the target at the maximum.
#include <array>
#include <cmath>
#include <utility>

#include "fp/constants.hpp"
#include "fp/double_double.hpp"
#include "fp/two_sum.hpp"
#include "reference/decider.hpp"
#include "reference/fast_decide.hpp"
#include "reference/fast_exp.hpp"
#include "reference/fast_row.hpp"
#include "reference/fast_terms.hpp"

namespace softcheck::reference {
namespace {

using namespace fast;

// Temperatures outside [2^-500, 2^500] go to MPFR: inside, e_j / S / T stays a normal
// double-double (e_j / S is in [2^-1, 2^1] scaled).
constexpr double kMinTemperature = 0x1p-500;
constexpr double kMaxTemperature = 0x1p+500;
// e^a as a plain double-double (bounded_expm1): e^700 < 2^1010 keeps both parts finite.
constexpr double kExpArgumentMax = 700.0;
// bounded_exp's domain (a scaled result): fast_exp covers arguments down to -750, and above
// kOverflowArgument every result overflows.
constexpr double kExpArgumentMin = -745.0;
// Argument errors above this are outside the first-order bound e^delta - 1 <= delta (1 + 2^-30).
constexpr double kMaxArgumentError = 0x1p-40;
// expm1 by its Taylor series below this |z| (no cancellation of e^z - 1 to fear), by e^z - 1
// above.
constexpr double kExpm1SeriesBelow = 0x1p-8;
// expm1's series: the terms z^k / k! for k = 1 ... kExpm1Terms; the rest is below
// |z|^13 / 13! < 2^-104 / 6.2e9 < 2^-136 relative for |z| < 2^-8.
constexpr int kExpm1Terms = 12;
constexpr double kExpm1Truncation = 0x1p-136;
// Values of c L below this go to MPFR (products of double-doubles near double's subnormal
// range lose bits).
constexpr double kSmallestSeriesArgument = 0x1p-800;
// e^a for every a above this exceeds 2^1024 (e^710 > 2^1024.3; ln 2^1024 = 709.78), so
// overflows double and every format: +inf (the margin is far above a double-double argument's
// low part). Below it, decide_scaled settles the values near 2^1024 or leaves them to MPFR.
constexpr double kOverflowArgument = 710.0;

struct BoundedExp {
  ScaledDd value;
  double relative;  // |computed - exact| <= relative * value
};

// e^arg for an argument known within arg_bound: fast_exp for arg <= 0, its reciprocal above
// (DWDivDW2, 15 u^2; 1 / (v (1 + eps)) is within eps / (1 - eps) of 1 / v).
std::optional<BoundedExp> bounded_exp(Dd arg, double arg_bound) {
  if (!(arg.hi >= kExpArgumentMin && arg.hi <= kOverflowArgument && arg_bound <= kMaxArgumentError))
    return std::nullopt;
  const double from_argument = arg_bound * (1 + 0x1p-30);
  if (arg.hi <= 0) return BoundedExp{fast_exp(arg), kFastExpError + from_argument};
  const ScaledDd reciprocal = fast_exp(dd::negate(arg));
  const Dd m = dd::div({1.0, 0.0}, reciprocal.m);
  return BoundedExp{{m, -reciprocal.exponent},
                    kFastExpError * (1 + 0x1p-40) + 15 * kU2 + from_argument};
}

// expm1(z) for z known within z_bound (|z| in [2^-800, 700], or z below -700).
std::optional<Bounded> bounded_expm1(Dd z, double z_bound) {
  const double size = std::fabs(z.hi);
  const double z_upper = z.hi + std::fabs(z.lo) + z_bound;  // z's largest value
  if (z_upper < -kExpArgumentMax) {
    // expm1(z) = -1 + e^z, e^z < e^-700 < 2^-1009 over the interval (however wide).
    return Bounded{{-1.0, 0.0}, std::exp(z_upper) * (1 + 0x1p-40) + kUnderflowSlack};
  }
  if (!(size >= kSmallestSeriesArgument && size <= kExpArgumentMax && z_bound <= kMaxArgumentError))
    return std::nullopt;
  // z's error carried through: expm1' = e^z <= e^(|z| + bound) over the interval.
  const double carried = z_bound * std::exp(z.hi + std::fabs(z.lo) + z_bound) * (1 + 0x1p-40);
  if (size < kExpm1SeriesBelow) {
    // Horner from 1/12! down: each partial sum p_k = 1/k! + z p_(k+1) has |z p_(k+1)| below
    // 2^-9 of 1/k!, so no cancellation, and each step's product and sum (4 + 3 u^2) and
    // the coefficients' own rounding (1/k! by repeated DWDivDW2, <= 15 k u^2 relative, of
    // terms <= |z|^(k-1) / 2 of the whole) stay within 12 * 8 u^2; taken as 128 u^2.
    static const auto coefficients = [] {
      std::array<Dd, kExpm1Terms + 1> c{};
      c[1] = {1.0, 0.0};
      for (int k = 2; k <= kExpm1Terms; ++k) c[k] = dd::div(c[k - 1], {double(k), 0.0});
      return c;
    }();
    Dd p = coefficients[kExpm1Terms];
    for (int k = kExpm1Terms - 1; k >= 1; --k) p = dd::add(dd::mul(p, z), coefficients[k]);
    const Dd value = dd::mul(p, z);
    return Bounded{value, relative_bound(value, 128 * kU2 + kExpm1Truncation) + carried};
  }
  const auto e = bounded_exp(z, 0.0);  // z <= kExpArgumentMax: a plain double-double
  if (!e) return std::nullopt;
  const Dd power = dd::ldexp(e->value.m, e->value.exponent);
  const Dd value = dd::add(power, -1.0);  // DWPlusFP, 2 u^2 of the result
  // e^z's error (relative to e^z, kept as an absolute error); below 2^-960 its low part may
  // lose bits to double's subnormal range.
  const double bound = relative_bound(power, e->relative) + relative_bound(value, 2 * kU2) +
                       kUnderflowSlack + carried;
  return Bounded{value, bound};
}

class FastSoftmaxLoss {
 public:
  FastSoftmaxLoss(LossKind kind, const LossParameters& p, std::span<const double> x,
                  Format format, std::size_t target)
      : kind_(kind), tau_(p.tau), temperature_(kind == LossKind::comp_sum ? 1.0 : p.temperature),
        x_(x), format_(format), target_(target), n_(x.size()), terms_(scratch_terms_) {}

  std::optional<LossReference> run() {
    if (!(temperature_ >= kMinTemperature && temperature_ <= kMaxTemperature)) return std::nullopt;
    const auto maximum = row_maximum(x_);
    if (!maximum) return std::nullopt;
    m_ = maximum->value, a_ = maximum->index;
    if (softmax_only()) target_ = a_;  // no target: t unused
    if (target_ >= n_ || x_[target_] == -HUGE_VAL) return std::nullopt;
    row_.loss = softmax_only() ? Exact{NAN, NAN, 0.0} : kZero;  // decider.hpp's exactly(NaN)
    row_.gradient.assign(n_, kZero);  // masked entries: +0
    if (maximum->finite == 1) {  // the target alone: loss 0 and gradient +0, or softmax 1
      if (softmax_only()) row_.gradient[a_] = {1.0, 1.0, 0.0};
      return std::move(row_);
    }
    if (!terms_.compute(x_, m_, a_, target_, temperature_, true) ||
        !std::isfinite(terms_.d[target_].hi))
      return std::nullopt;
    const double s_upper = (terms_.s.hi + terms_.s_bound) * kBoundSlack;
    if (s_upper < kCollapseEntry) {
      // Softmax collapse (s < 2^-901, below where double-double sums keep their bits): every
      // output is decided with log1p(s) in (0, s] taken as 0 and 1 / S within s of 1, except
      // where it depends on s's value - a loss at the maximum (y = a): MPFR.
      if (!softmax_only() && target_ == a_) return std::nullopt;
      log_ = {{0.0, 0.0}, s_upper};
      S_ = inverse_S_ = {1.0, 0.0};
      S_relative_ = s_upper;
    } else {
      S_ = dd::add(terms_.s, 1.0);
      const double S_bound = terms_.s_bound + relative_bound(S_, 2 * kU2);
      S_relative_ = S_bound / S_.hi;
      const auto log = log1p_bounded(terms_.s, terms_.s_bound, S_, S_bound);
      if (!log) return std::nullopt;
      log_ = *log;
      inverse_S_ = dd::div({1.0, 0.0}, S_);
    }
    if (softmax_only()) return softmax_outputs() ? std::optional(std::move(row_)) : std::nullopt;
    const bool done = cross_entropy_like() ? cross_entropy_outputs() : comp_sum_outputs();
    return done ? std::optional(std::move(row_)) : std::nullopt;
  }

 private:
  bool softmax_only() const { return kind_ == LossKind::temperature_softmax; }
  bool cross_entropy_like() const { return kind_ != LossKind::comp_sum || tau_ == 1.0; }

  // e_j / S divided by `divisor` (DWDivDW2 unless 1), scaled; +0 when it is below 2^-1076.
  std::optional<Exact> softmax_term(std::size_t j, double divisor) const {
    const Term& e = terms_.e[j];
    if (e.tiny) {
      // e_j / (S divisor) <= 2^(d_j / ln 2 + 2) / divisor (exp_upper_bound's + 2, and one
      // more for the rounding of this test's own arithmetic).
      const double log2_bound = terms_.d[j].hi / std::log(2.0) + 3 - std::log2(divisor);
      if (log2_bound < -1076) return kZero;  // below half the smallest subnormal: +0
      if (terms_.d[j].hi < kExpDomain) return std::nullopt;  // no scaled value
    }
    // e_j (1 / S): DWDivDW2 (15 u^2) and DWTimesDW3 (4 u^2), in the 20 u^2 of a division.
    Dd q = dd::mul(e.scaled.m, inverse_S_);
    double relative = terms_.term_relative + S_relative_ + 20 * kU2;
    if (divisor != 1.0) q = dd::div(q, {divisor, 0.0}), relative += 15 * kU2;
    return decide_scaled(q, e.scaled.exponent, relative, format_);
  }

  // L = log1p(s) - d_y >= 0 with its absolute bound.
  Bounded cross_entropy() const {
    const Dd& d_y = terms_.d[target_];
    const Dd value = dd::add(log_.value, dd::negate(d_y));
    return {value, log_.bound + terms_.d_bound(target_) +
                       relative_bound(value, dd::kAddDdBound * kU2)};
  }

  // t / S, the target's 1 - s_y, relative to its value.
  std::pair<Dd, double> one_minus_s_y() const {
    return {dd::div(terms_.t, S_), terms_.t_bound / terms_.t.hi + S_relative_ + 15 * kU2};
  }

  bool softmax_outputs() {
    for (std::size_t j = 0; j < n_; ++j) {
      if (terms_.e[j].masked) continue;
      const auto p = softmax_term(j, 1.0);
      if (!p) return false;
      row_.gradient[j] = *p;
    }
    return true;
  }

  bool cross_entropy_outputs() {
    const Dd& d_y = terms_.d[target_];
    // The loss as d_y's negation plus log1p(s) (fast_row.cpp's form); with T != 1, d_y is
    // itself rounded, so the side of the exact value from -d_y is not known.
    const int side = terms_.d_bound(target_) == 0 ? +1 : 0;
    const auto loss = decide_sum(dd::negate(d_y), log_.value, log_.bound + terms_.d_bound(target_),
                                 format_, side);
    if (!loss) return false;
    row_.loss = *loss;
    for (std::size_t j = 0; j < n_; ++j) {
      if (terms_.e[j].masked || j == target_) continue;
      const auto g = softmax_term(j, temperature_);
      if (!g) return false;
      row_.gradient[j] = *g;
    }
    auto [g, relative] = one_minus_s_y();
    if (!(terms_.t.hi > 0)) return false;
    if (temperature_ != 1.0) g = dd::div(g, {temperature_, 0.0}), relative += 15 * kU2;
    const auto g_y = decide_scaled(dd::negate(g), 0, relative, format_);
    if (!g_y) return false;
    row_.gradient[target_] = *g_y;
    return true;
  }

  bool comp_sum_outputs() {
    const Bounded l = cross_entropy();
    const Dd c = fp::two_sum(1.0, -tau_);  // exact
    const Dd z = dd::mul(l.value, c);      // DWTimesDW3, 4 u^2
    const double z_bound =
        l.bound * std::fabs(c.hi) * (1 + 0x1p-50) + relative_bound(z, 4 * kU2);
    // loss = expm1(c L) / c (DWDivDW2, 15 u^2); above e^710 (c in (0, 1]) it overflows.
    const bool loss_overflows = z.hi - z_bound > kOverflowArgument;
    if (loss_overflows) {
      row_.loss = exactly(HUGE_VAL);
    } else if (z.hi > kExpArgumentMax) {
      // expm1(z) = e^z (1 - e^-z), e^-z < 2^-1009: e^z scaled, within that much more.
      const auto e = bounded_exp(z, z_bound);
      if (!e) return false;
      const auto loss_exact = decide_scaled(dd::div(e->value.m, c), e->value.exponent,
                                            e->relative + 0x1p-1009 + 15 * kU2, format_);
      if (!loss_exact) return false;
      row_.loss = *loss_exact;
    } else {
      const auto expm1 = bounded_expm1(z, z_bound);
      if (!expm1) return false;
      const Dd loss = dd::div(expm1->value, c);
      const auto loss_exact = decide_scaled(
          loss, 0, expm1->bound / std::fabs(expm1->value.hi) + 15 * kU2, format_);
      if (!loss_exact) return false;
      row_.loss = *loss_exact;
    }
    // grad_j = exp((x_j - x_y) - tau L), j != y
    const Dd tau_l = dd::mul(l.value, tau_);  // DWTimesFP3, 2 u^2
    const double tau_l_bound = l.bound * tau_ + relative_bound(tau_l, 2 * kU2);
    // The argument is also d_j + (tau - 1) d_y - tau log1p(s): for tau > 1 three terms <= 0,
    // so at most (tau - 1) d_y (tau - 1 exact; the product within 2^-52 of it, d_y.lo
    // within 2^-53). Below kTinyExponent every grad_j is +0, however large tau L.
    const bool all_tiny =
        tau_ > 1 && (tau_ - 1) * terms_.d[target_].hi * (1 - 0x1p-40) < kTinyExponent;
    for (std::size_t j = 0; j < n_; ++j) {
      if (all_tiny || terms_.e[j].masked || j == target_) continue;
      const Dd difference = fp::two_sum(x_[j], -x_[target_]);
      if (difference.hi == -HUGE_VAL) continue;  // below -2^1023, less tau L <= 0: +0
      if (!std::isfinite(difference.hi) || !std::isfinite(difference.lo)) return false;
      const Dd arg = dd::add(difference, dd::negate(tau_l));
      const double arg_bound = tau_l_bound + relative_bound(arg, dd::kAddDdBound * kU2);
      if (arg.hi + arg_bound < kTinyExponent) continue;  // below 2^-1075.5: +0
      if (arg.hi - arg_bound > kOverflowArgument) {
        row_.gradient[j] = exactly(HUGE_VAL);
        continue;
      }
      const auto e = bounded_exp(arg, arg_bound);
      if (!e) return false;
      const auto g = decide_scaled(e->value.m, e->value.exponent, e->relative, format_);
      if (!g) return false;
      row_.gradient[j] = *g;
    }
    // grad_y = -(t / S) exp(c L); t / S <= 1, so exp(c L) below 2^-1075.5 makes it -0.
    if (!(terms_.t.hi > 0)) return false;
    if (z.hi + z_bound < kTinyExponent) {
      row_.gradient[target_] = kNegativeZero;
      return true;
    }
    const auto [q, q_relative] = one_minus_s_y();
    if (loss_overflows) {
      // |grad_y| = e^(z + ln(t / S)); std::log's error (< 1 ulp) and q's (q_relative, far
      // below 2^-40) are inside the 2^-20 taken off. Nearer the threshold: MPFR.
      const double log_q = std::log(q.hi) - 0x1p-20;
      if (!(q_relative < 0x1p-40 && z.hi - z_bound + log_q > kOverflowArgument)) return false;
      row_.gradient[target_] = exactly(-HUGE_VAL);
      return true;
    }
    const auto power = bounded_exp(z, z_bound);
    if (!power) return false;
    const Dd g = dd::mul(q, power->value.m);  // DWTimesDW3, 4 u^2
    const auto g_y = decide_scaled(dd::negate(g), power->value.exponent,
                                   q_relative + power->relative + 4 * kU2, format_);
    if (!g_y) return false;
    row_.gradient[target_] = *g_y;
    return true;
  }

  LossKind kind_;
  double tau_;
  double temperature_;
  std::span<const double> x_;
  Format format_;
  std::size_t target_, n_;
  double m_ = 0;
  std::size_t a_ = 0;
  // Per-thread scratch, reused from row to row; terms_ binds it once (no thread-local lookup
  // on each use).
  static thread_local ExpTerms scratch_terms_;
  ExpTerms& terms_;
  Dd S_, inverse_S_;
  double S_relative_ = 0;
  Bounded log_{};
  LossReference row_;
};

thread_local ExpTerms FastSoftmaxLoss::scratch_terms_;

}  // namespace

std::optional<LossReference> fast_softmax_loss_row(LossKind kind, const LossParameters& parameters,
                                                   std::span<const double> x, Format format,
                                                   std::size_t target) {
  if (kind != LossKind::comp_sum && kind != LossKind::temperature_cross_entropy &&
      kind != LossKind::temperature_softmax)
    return std::nullopt;
  return FastSoftmaxLoss(kind, parameters, x, format, target).run();
}

}  // namespace softcheck::reference
