// Comp-sum and temperature-scaled cross-entropy references: Ziv's strategy over interval
// enclosures built on the cross-entropy of x / T (reference.cpp's "1 + s" form).
//
// For a row with finite maximum m (first at a), d_j = (x_j - m) / T <= 0, e_j = exp(d_j),
// s = sum_{j != a} e_j, o = sum_{j != y} e_j (the target's competitors), r = 1 / (1 + s):
//   L = log1p(s) - d_y >= 0                      (cross-entropy of x / T; both terms >= 0)
//   (at tau = 0 the loss and -grad_y are u = o / e_y itself: a row of tied maxima and terms
//   far below them has u a hair above an integer, which may be a midpoint of the format -
//   decidable from the sum's strict bounds, never through log and expm1)
//   temperature CE:  loss L,  grad_j = e_j r / T,  grad_y = -(o r) / T
//   comp-sum tau:    loss expm1((1 - tau) L) / (1 - tau)   (L at tau = 1)
//                    grad_j = exp((x_j - x_y) - tau L)    (j != y; e_j r at tau = 1)
//                    grad_y = -(o r) exp((1 - tau) L)
// 1 - s_y = o r is a quotient of positive sums (no cancellation); expm1 keeps the loss
// accurate as L -> 0. Masked entries (-inf) get their limits: gradient +0; a masked target
// makes s_y = 0 and u = +inf (README "Special values", loss family).
// Validity and termination: proofs/loss-family-reference.md.
#include <cmath>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "reference/decider.hpp"
#include "reference/interval.hpp"
#include "reference/interval_scaling.hpp"
#include "reference/softmax_loss_reference.hpp"
#include "reference/ziv.hpp"
#include "fp/constants.hpp"

namespace softcheck::reference {
namespace {

class SoftmaxLossRow {
 public:
  SoftmaxLossRow(LossKind kind, const LossParameters& p, std::span<const double> x,
                 Format format, std::size_t target)
      : kind_(kind), tau_(p.tau), temperature_(kind == LossKind::comp_sum ? 1.0 : p.temperature),
        x_(x), target_(target), decider_(format) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (x[i] == -fp::kInf<double>) continue;
      if (finite_.empty() || x[i] > max_) max_ = x[i], argmax_ = i;
      if (i == target) target_slot_ = finite_.size();
      finite_.push_back(i);
    }
    target_masked_ = x[target] == -fp::kInf<double>;
    d_.resize(finite_.size());
    e_.resize(finite_.size());
    row_.gradient.assign(x.size(), exactly(0.0));  // masked entries: +0
    gradient_pending_.assign(finite_.size(), true);
    pending_ = finite_.size() + 1;
    if (target_masked_) set_masked_target_outputs();
  }

  LossReference run(const ReferenceOptions& schedule) {
    ziv_loop(schedule, [this](int precision) {
      enclose(precision);
      decide_pending();
      return pending_ == 0;
    });
    return std::move(row_);
  }

 private:
  bool is_comp_sum() const { return kind_ == LossKind::comp_sum; }
  // Where the outputs are the cross-entropy's (divided by T).
  bool cross_entropy_like() const { return !is_comp_sum() || tau_ == 1.0; }

  // s_y = 0: u = +inf. Loss Phi(inf): +inf for tau <= 1, 1 / (tau - 1) above (decided in the
  // loop); grad_y = -P, P = s_y^(tau - 1) -> +inf, 1 (T = 1) or 1/T, 0; grad_j = s_j P:
  // +inf for tau < 1, +0 for tau > 1, the softmax (/ T) otherwise (decided in the loop).
  void set_masked_target_outputs() {
    if (cross_entropy_like()) {  // -1 / T at the target, decided in the loop
      row_.loss = exactly(fp::kInf<double>);
      loss_pending_ = false;
      masked_target_gradient_pending_ = true;  // replaces the loss among the pending
      return;
    }
    if (tau_ < 1.0) {
      row_.loss = exactly(fp::kInf<double>);
      row_.gradient[target_] = exactly(-fp::kInf<double>);
    } else {
      loss_is_reciprocal_ = true;
      row_.gradient[target_] = exactly(-0.0);
    }
    if (tau_ < 1.0 || tau_ > 1.0) {
      for (std::size_t k = 0; k < finite_.size(); ++k) {
        row_.gradient[finite_[k]] = exactly(tau_ < 1.0 ? fp::kInf<double> : 0.0);
        gradient_pending_[k] = false;
        --pending_;
      }
    }
    if (!loss_is_reciprocal_) --pending_;
    loss_pending_ = loss_is_reciprocal_;
  }

  // 1 - tau is a double for tau in [0.5, 2] (Sterbenz); below 0.5 (in (0.5, 1]) it is kept as
  // the exact enclosure c_ (enclose() sets it), never rounded.
  bool one_minus_tau_exact() const { return tau_ >= 0.5; }

  // out = (1 - tau) a, for a >= 0 (a = L).
  void scale_by_one_minus_tau(Interval& out, const Interval& a) {
    if (one_minus_tau_exact()) return scale(out, a, 1.0 - tau_);
    multiply_nonnegative(out, a, c_);
  }

  void set_precision(mpfr_prec_t p) {
    for (auto& v : d_) v.set_precision(p);
    for (auto& v : e_) v.set_precision(p);
    for (Interval* v : {&s_, &o_, &one_plus_s_, &r_, &log1p_s_, &l_, &out_, &w_, &v_, &z_, &c_})
      v->set_precision(p);
    decider_.set_precision(p);
  }

  void enclose(mpfr_prec_t p) {
    set_precision(p);
    if (!one_minus_tau_exact()) subtract_doubles(c_, 1.0, tau_);  // once per precision
    s_.set_zero();
    o_.set_zero();
    for (std::size_t k = 0; k < finite_.size(); ++k) {
      const std::size_t i = finite_[k];
      if (temperature_ == 1.0) {
        subtract_doubles(d_[k], x_[i], max_);
      } else {
        subtract_doubles(w_, x_[i], max_);
        divide_by(d_[k], w_, temperature_);
      }
      exp(e_[k], d_[k]);
      if (i != argmax_) accumulate(s_, e_[k]);
      if (i != target_) accumulate(o_, e_[k]);
    }
    one_plus(one_plus_s_, s_);
    reciprocal_positive(r_, one_plus_s_);
    log1p(log1p_s_, s_);
    if (!target_masked_) subtract(l_, log1p_s_, d_[target_slot_]);
  }

  bool settle(const Interval& v, Exact& out) {
    if (!decider_.decide(v, out)) return true;
    --pending_;
    return false;
  }

  void enclose_loss() {
    if (loss_is_reciprocal_) {  // masked target, tau > 1: 1 / (tau - 1)
      out_.set_zero();
      one_plus(w_, out_);
      divide_by(out_, w_, tau_ - 1.0);
    } else if (cross_entropy_like()) {
      mpfr_set(out_.lo(), l_.lo(), MPFR_RNDD);
      mpfr_set(out_.hi(), l_.hi(), MPFR_RNDU);
      out_.lo_strict = l_.lo_strict, out_.hi_strict = l_.hi_strict;
    } else if (tau_ == 0.0) {
      divide_nonnegative(out_, o_, e_[target_slot_]);  // u = o / e_y: no logarithm to undo
    } else {
      scale_by_one_minus_tau(w_, l_);
      expm1(v_, w_);
      if (one_minus_tau_exact()) return divide_by(out_, v_, 1.0 - tau_);
      divide_nonnegative(out_, v_, c_);  // expm1(c L) >= 0 for c > 0
    }
  }

  void enclose_gradient(std::size_t k) {
    const std::size_t i = finite_[k];
    if (i == target_) {
      multiply_nonnegative(w_, o_, r_);  // 1 - s_y
      if (cross_entropy_like()) {
        if (temperature_ == 1.0) return negate(out_, w_);
        divide_by(v_, w_, temperature_);
        return negate(out_, v_);
      }
      if (tau_ == 0.0) {  // -(1 - s_y) / s_y = -u
        divide_nonnegative(v_, o_, e_[target_slot_]);
        return negate(out_, v_);
      }
      scale_by_one_minus_tau(v_, l_);
      exp(z_, v_);
      multiply_nonnegative(v_, w_, z_);
      return negate(out_, v_);
    }
    if (cross_entropy_like() || target_masked_) {  // softmax_j / T
      if (temperature_ == 1.0) return multiply_nonnegative(out_, e_[k], r_);
      multiply_nonnegative(w_, e_[k], r_);
      return divide_by(out_, w_, temperature_);
    }
    subtract_doubles(w_, x_[i], x_[target_]);
    scale(v_, l_, tau_);
    subtract(z_, w_, v_);
    exp(out_, z_);
  }

  void decide_pending() {
    if (masked_target_gradient_pending_) {
      w_.set_zero();
      one_plus(v_, w_);
      divide_by(w_, v_, -temperature_);
      masked_target_gradient_pending_ = settle(w_, row_.gradient[target_]);
    }
    if (loss_pending_) {
      enclose_loss();
      loss_pending_ = settle(out_, row_.loss);
    }
    for (std::size_t k = 0; k < finite_.size(); ++k) {
      if (!gradient_pending_[k]) continue;
      enclose_gradient(k);
      gradient_pending_[k] = settle(out_, row_.gradient[finite_[k]]);
    }
  }

  LossKind kind_;
  double tau_;
  double temperature_;
  std::span<const double> x_;
  std::size_t target_;
  double max_ = 0.0;
  std::size_t argmax_ = 0;
  std::vector<std::size_t> finite_;
  std::size_t target_slot_ = 0;
  bool target_masked_ = false;
  bool loss_is_reciprocal_ = false;

  std::vector<Interval> d_, e_;
  Interval s_, o_, one_plus_s_, r_, log1p_s_, l_, out_, w_, v_, z_, c_;
  Decider decider_;

  LossReference row_;
  std::vector<bool> gradient_pending_;
  bool loss_pending_ = true;
  bool masked_target_gradient_pending_ = false;
  std::size_t pending_ = 0;
};

}  // namespace

LossReference softmax_loss_row(LossKind kind, const LossParameters& parameters,
                               std::span<const double> x, Format format, std::size_t target,
                               const ReferenceOptions& schedule) {
  return SoftmaxLossRow(kind, parameters, x, format, target).run(schedule);
}

}  // namespace softcheck::reference
