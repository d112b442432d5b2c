// Correctly rounded StableMax references: Ziv's strategy over interval enclosures, with an
// exact rational evaluation for outputs that are rounding boundaries.
//
// For a row with finite entries (a = first argmax, y = target), s_j = s(x_j) > 0 is enclosed
// directly (x + 1, or the reciprocal of 1 - x), and from it
//   R = sum_{j != a} s_j,  S = s_a + R,  T = sum_{j != y} s_j
//   stablemax_j = s_j / S
//   L_j = -log_stablemax_j = log1p(R / s_a) for j = a,  log(S / s_j) >= log 2 otherwise
//   loss = L_y
//   gradient_j = 1 / S (x_j >= 0),  s_j (s_j / S) (x_j < 0)    for j != y
//   gradient_y = -(T / S) / (1 + |x_y|)        (s'(x)/s(x) = 1 / (1 + |x|))
// No subtraction of nearly equal quantities occurs, so each enclosure narrows in step with
// the working precision. Validity and termination: proofs/stablemax-reference.md.
#include "reference/stablemax_reference.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <utility>

#include "reference/decider.hpp"
#include "reference/exponent_range.hpp"
#include "reference/fast_row.hpp"
#include "reference/interval.hpp"
#include "reference/stablemax_exact.hpp"
#include "reference/thread_caches.hpp"
#include "reference/ziv.hpp"
#include "fp/constants.hpp"

namespace softcheck::reference {
namespace {

// An output still undecided once the precision is this many times the initial one is
// evaluated exactly (in case it is a rounding boundary; stablemax_exact.hpp).
constexpr int kExactCheckFactor = 4;

StableMaxReference uniform_row(std::size_t n, double value) {
  StableMaxReference row;
  row.stablemax.assign(n, exactly(value));
  row.log_stablemax.assign(n, exactly(value));
  row.gradient.assign(n, exactly(value));
  row.loss = exactly(fp::kNaN<double>);
  return row;
}

// A rational output: undecided yet, and whether its exact value was tried.
struct RationalState {
  bool pending = true;
  bool exact_tried = false;
};

// A row with at least one finite entry and no NaN or +inf; -inf entries are masked.
class StableMaxRow {
 public:
  StableMaxRow(std::span<const double> x, Format format, std::size_t target)
      : x_(x), target_(target), decider_(format) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (x[i] == -fp::kInf<double>) continue;
      if (finite_.empty() || x[i] > x[finite_[argmax_slot_]]) argmax_slot_ = finite_.size();
      if (i == target) target_slot_ = finite_.size();
      finite_.push_back(i);
    }
    target_masked_ = x[target] == -fp::kInf<double>;
    s_.resize(finite_.size());
    exact_.emplace(x_, finite_);

    const std::size_t n = x.size();
    row_.stablemax.assign(n, exactly(0.0));        // masked: s(-inf) / S = +0
    row_.log_stablemax.assign(n, exactly(-fp::kInf<double>));  // log 0
    row_.gradient.assign(n, exactly(0.0));         // s'(-inf) = 0; at a masked target the
                                                   // limit of s'/S - s'/s is 0 as well
    row_.loss = exactly(fp::kInf<double>);                     // -log 0 when the target is masked
    stablemax_.assign(finite_.size(), {});
    gradient_.assign(finite_.size(), {});
    log_pending_.assign(finite_.size(), true);
    loss_pending_ = !target_masked_;
    pending_ = 3 * finite_.size() + (loss_pending_ ? 1 : 0);
  }

  StableMaxReference run(const ReferenceOptions& schedule) {
    const int exact_from = std::min(kExactCheckFactor * schedule.initial_precision,
                                    schedule.max_precision);
    ziv_loop(schedule, [&](int precision) {
      enclose(precision);
      decide_pending(precision >= exact_from);
      return pending_ == 0;
    });
    return std::move(row_);
  }

 private:
  bool is_argmax(std::size_t k) const { return k == argmax_slot_; }
  bool is_target(std::size_t k) const { return !target_masked_ && k == target_slot_; }
  double x_at(std::size_t k) const { return x_[finite_[k]]; }

  void set_precision(mpfr_prec_t p) {
    for (auto& v : s_) v.set_precision(p);
    for (Interval* v : {&t_, &r_, &s_total_, &others_, &ratio_, &log_ratio_, &out_, &work_})
      v->set_precision(p);
    decider_.set_precision(p);
  }

  // s_j for every finite entry, R, S and T.
  void enclose(mpfr_prec_t p) {
    set_precision(p);
    r_.set_zero();
    others_.set_zero();
    for (std::size_t k = 0; k < finite_.size(); ++k) {
      const double x = x_at(k);
      if (x >= 0) {
        subtract_doubles(s_[k], x, -1.0);  // x + 1
      } else {
        subtract_doubles(t_, 1.0, x);
        reciprocal_positive(s_[k], t_);
      }
      if (!is_argmax(k)) accumulate(r_, s_[k]);
      if (!is_target(k)) accumulate(others_, s_[k]);
    }
    add(s_total_, s_[argmax_slot_], r_);
  }

  // log_ratio_ = L_k = -log_stablemax_k.
  void enclose_log_ratio(std::size_t k) {
    if (is_argmax(k)) {
      divide_nonnegative(ratio_, r_, s_[k]);
      log1p(log_ratio_, ratio_);
    } else {
      divide_nonnegative(ratio_, s_total_, s_[k]);
      log(log_ratio_, ratio_);
    }
  }

  // out_ = gradient_k.
  void enclose_gradient(std::size_t k) {
    if (is_target(k)) {
      divide_nonnegative(ratio_, others_, s_total_);
      subtract_doubles(t_, 1.0, -std::fabs(x_at(k)));  // 1 + |x_y|
      divide_nonnegative(work_, ratio_, t_);
      negate(out_, work_);
    } else if (x_at(k) >= 0) {
      reciprocal_positive(out_, s_total_);
    } else {
      divide_nonnegative(work_, s_[k], s_total_);
      multiply_nonnegative(out_, s_[k], work_);
    }
  }

  // Decides one output from its enclosure; returns whether it is still pending.
  bool settle(const Interval& v, Exact& out) {
    if (!decider_.decide(v, out)) return true;
    --pending_;
    return false;
  }

  // As settle, for a rational output whose exact value `exact_value()` gives; with
  // try_exact, a dyadic exact value (a possible rounding boundary) is decided exactly.
  template <class ExactValue>
  void settle_rational(const Interval& v, Exact& out, RationalState& state, bool try_exact,
                       ExactValue&& exact_value) {
    state.pending = settle(v, out);
    if (!state.pending || !try_exact || state.exact_tried) return;
    state.exact_tried = true;
    if (enclose_if_dyadic(dyadic_, exact_value())) state.pending = settle(dyadic_, out);
  }

  void decide_pending(bool try_exact) {
    for (std::size_t k = 0; k < finite_.size(); ++k) {
      const std::size_t i = finite_[k];
      if (stablemax_[k].pending) {
        divide_nonnegative(out_, s_[k], s_total_);
        settle_rational(out_, row_.stablemax[i], stablemax_[k], try_exact,
                        [&] { return exact_->stablemax(i); });
      }
      if (log_pending_[k] || (is_target(k) && loss_pending_)) {
        enclose_log_ratio(k);
        if (is_target(k) && loss_pending_) loss_pending_ = settle(log_ratio_, row_.loss);
        if (log_pending_[k]) {
          negate(out_, log_ratio_);
          log_pending_[k] = settle(out_, row_.log_stablemax[i]);
        }
      }
      if (gradient_[k].pending) {
        enclose_gradient(k);
        settle_rational(out_, row_.gradient[i], gradient_[k], try_exact,
                        [&] { return exact_->gradient(i, target_); });
      }
    }
  }

  std::span<const double> x_;
  std::size_t target_;
  std::vector<std::size_t> finite_;  // indices of the finite entries
  std::size_t argmax_slot_ = 0;      // position in finite_ of the first maximum
  std::size_t target_slot_ = 0;      // position of the target in finite_, if finite
  bool target_masked_ = false;

  std::vector<Interval> s_;  // s(x_j), per finite entry
  Interval t_, r_, s_total_, others_, ratio_, log_ratio_, out_, work_, dyadic_;
  Decider decider_;
  std::optional<StableMaxExact> exact_;

  StableMaxReference row_;
  std::vector<RationalState> stablemax_, gradient_;
  std::vector<bool> log_pending_;
  bool loss_pending_ = true;
  std::size_t pending_ = 0;  // outputs still undecided
};

}  // namespace

StableMaxReference evaluate_stablemax_row(std::span<const double> x, Format format,
                                          std::size_t target) {
  return evaluate_stablemax_row(x, format, target, ReferenceOptions{});
}

StableMaxReference evaluate_stablemax_row(std::span<const double> x, Format format,
                                          std::size_t target, const ReferenceOptions& options) {
  const ReferenceOptions schedule = resolved_schedule(options, format);
  const std::size_t n = x.size();
  if (n == 0) return uniform_row(0, fp::kNaN<double>);
  if (target >= n) throw std::out_of_range("softcheck reference: target outside the row");

  bool any_nan_or_pos_inf = false, all_masked = true;
  for (double v : x) {
    any_nan_or_pos_inf |= std::isnan(v) || v == fp::kInf<double>;  // NaN, or s(+inf) / S = inf / inf
    all_masked &= v == -fp::kInf<double>;                          // 0 / 0
  }
  if (any_nan_or_pos_inf || all_masked) return uniform_row(n, fp::kNaN<double>);

  if (options.fast_path)
    if (auto row = try_fast_stablemax_row(x, format, target)) return std::move(*row);
  release_mpfr_caches_at_thread_exit();
  const WidestExponentRange range;
  return StableMaxRow(x, format, target).run(schedule);
}

}  // namespace softcheck::reference
