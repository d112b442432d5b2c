// Binary sigmoid cross-entropy reference: each element independent (loss_family_reference.hpp).
//   term_i = softplus(v_i),  v_i = x_i (i != y), -x_y (i = y)
//   softplus(v) = max(v, 0) + log1p(exp(-|v|))                 (both terms >= 0)
//   grad_i = sigmoid(x_i) = 1 / (1 + exp(-x_i))  (i != y),   -1 / (1 + exp(x_y))  (i = y)
// so grad_i = sign_i / (1 + exp(-v_i)) with sign -1 at the target: no cancellation.
// Special values are elementwise limits: a NaN element has a NaN gradient and makes the loss
// NaN; v = +inf gives term +inf and |grad| 1; v = -inf gives term 0 and gradient 0.
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "reference/decider.hpp"
#include "reference/interval.hpp"
#include "reference/softmax_loss_reference.hpp"
#include "reference/ziv.hpp"
#include "fp/constants.hpp"

namespace softcheck::reference {
namespace {

class SigmoidBceRow {
 public:
  SigmoidBceRow(std::span<const double> x, Format format, std::size_t target)
      : x_(x), target_(target), decider_(format) {
    const std::size_t n = x.size();
    row_.gradient.resize(n);
    pending_grad_.assign(n, false);
    bool any_nan = false, any_pos_inf_term = false;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = signed_logit(i);
      const double sign = i == target ? -1.0 : 1.0;
      if (std::isnan(v)) {
        row_.gradient[i] = exactly(fp::kNaN<double>);
        any_nan = true;
      } else if (v == fp::kInf<double>) {
        row_.gradient[i] = exactly(sign);
        any_pos_inf_term = true;
      } else if (v == -fp::kInf<double>) {
        row_.gradient[i] = exactly(0.0);
      } else {
        pending_grad_[i] = true;
        finite_.push_back(i);
        ++pending_;
      }
    }
    if (any_nan || any_pos_inf_term) {
      row_.loss = exactly(any_nan ? fp::kNaN<double> : fp::kInf<double>);
      loss_pending_ = false;
    } else {
      ++pending_;
    }
  }

  LossReference run(const ReferenceOptions& schedule) {
    if (pending_ == 0) return std::move(row_);
    ziv_loop(schedule, [this](int precision) {
      enclose_and_decide(precision);
      return pending_ == 0;
    });
    return std::move(row_);
  }

 private:
  double signed_logit(std::size_t i) const { return i == target_ ? -x_[i] : x_[i]; }

  bool settle(const Interval& v, Exact& out) {
    if (!decider_.decide(v, out)) return true;
    --pending_;
    return false;
  }

  void enclose_and_decide(mpfr_prec_t p) {
    for (Interval* v : {&neg_abs_, &e_, &softplus_, &sum_, &one_plus_, &out_, &w_})
      v->set_precision(p);
    decider_.set_precision(p);
    sum_.set_zero();
    for (std::size_t i : finite_) {
      const double v = signed_logit(i);
      subtract_doubles(neg_abs_, -std::fabs(v), 0.0);  // exact: a double
      exp(e_, neg_abs_);                               // exp(-|v|)
      if (loss_pending_) {
        log1p(w_, e_);
        add_double(softplus_, w_, std::fmax(v, 0.0));
        accumulate(sum_, softplus_);
      }
      if (!pending_grad_[i]) continue;
      // 1 / (1 + exp(-v)): exp(-v) = e_ for v >= 0, 1 / e_ for v < 0.
      if (v >= 0) {
        one_plus(one_plus_, e_);
        reciprocal_positive(out_, one_plus_);  // 1 / (1 + e^-|v|)
      } else {
        one_plus(one_plus_, e_);
        divide_nonnegative(out_, e_, one_plus_);  // e^-|v| / (1 + e^-|v|)
      }
      if (i == target_) negate(out_, out_);
      pending_grad_[i] = settle(out_, row_.gradient[i]);
    }
    if (loss_pending_) loss_pending_ = settle(sum_, row_.loss);
  }

  std::span<const double> x_;
  std::size_t target_;
  Decider decider_;
  std::vector<std::size_t> finite_;
  std::vector<bool> pending_grad_;
  bool loss_pending_ = true;
  std::size_t pending_ = 0;
  LossReference row_;
  Interval neg_abs_, e_, softplus_, sum_, one_plus_, out_, w_;
};

}  // namespace

LossReference sigmoid_bce_row(std::span<const double> x, Format format, std::size_t target,
                              const ReferenceOptions& schedule) {
  return SigmoidBceRow(x, format, target).run(schedule);
}

}  // namespace softcheck::reference
