// Correctly rounded softmax references: Ziv's strategy over rigorous interval enclosures.
//
// For a row with finite maximum m (first attained at index a), d_j = x_j - m <= 0 and
// s = sum_{j != a, x_j finite} exp(d_j), so sum_j exp(x_j) = exp(m) (1 + s) with no
// cancellation anywhere:
//   logsumexp     = m + log1p(s)
//   log_softmax_i = d_i - log1p(s)
//   softmax_i     = exp(d_i) / (1 + s)
//   ce_gradient_i = softmax_i (i != y),  ce_gradient_y = -(sum_{j != y} exp(d_j)) / (1 + s)
//   ce_loss       = (m - x_y) + log1p(s)            (both terms >= 0)
// Each is enclosed at working precision p; an output is decided once both ends of its
// enclosure round to the same value of the format (and of double, for exact_hi). The
// argument for validity and termination is in proofs/reference-enclosure.md.
#include "reference/reference.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "reference/decider.hpp"
#include "reference/fast_row.hpp"
#include "reference/exponent_range.hpp"
#include "reference/interval.hpp"
#include "reference/thread_caches.hpp"
#include "reference/ziv.hpp"
#include "fp/constants.hpp"

namespace softcheck::reference {
namespace {

// Ziv's rule of thumb: twice the target precision plus guard bits makes a second iteration
// rare. The floor keeps the double-double exact value accurate to about 106 bits; with
// 64-bit limbs it costs nothing over 2 * 24 + 40 = 88 bits (both fit in two limbs).
constexpr int kGuardBits = 40;
constexpr int kDoubleDoubleBits = 128;
constexpr int kMinimumPrecision = 2;

// Rows whose every elementwise result is `elementwise` (NaN rows of the semantics table).
RowReference uniform_row(std::size_t n, double elementwise, double logsumexp) {
  RowReference row;
  row.softmax.assign(n, exactly(elementwise));
  row.log_softmax.assign(n, exactly(elementwise));
  row.ce_gradient.assign(n, exactly(elementwise));
  row.logsumexp = exactly(logsumexp);
  row.ce_loss = exactly(fp::kNaN<double>);
  return row;
}

// A row with at least one finite entry and no NaN or +inf; -inf entries are masked.
class FiniteRow {
 public:
  FiniteRow(std::span<const double> x, Format format, std::size_t target)
      : x_(x), target_(target), decider_(format) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (x[i] == -fp::kInf<double>) continue;
      if (finite_.empty() || x[i] > max_) {
        max_ = x[i];
        argmax_ = i;
      }
      if (i == target) target_slot_ = finite_.size();
      finite_.push_back(i);
    }
    target_masked_ = x[target] == -fp::kInf<double>;
    d_.resize(finite_.size());
    e_.resize(finite_.size());

    const std::size_t n = x.size();
    row_.softmax.assign(n, exactly(0.0));        // masked: exp(-inf) / sum = +0
    row_.log_softmax.assign(n, exactly(-fp::kInf<double>));  // masked: -inf
    row_.ce_gradient.assign(n, exactly(0.0));
    softmax_pending_.assign(finite_.size(), true);
    log_softmax_pending_.assign(finite_.size(), true);
    pending_ = 2 * finite_.size() + 1 + (target_masked_ ? 0 : 2);  // + logsumexp, ce pair
    if (target_masked_) {
      row_.ce_loss = exactly(fp::kInf<double>);              // -log(0)
      row_.ce_gradient[target] = exactly(-1.0);  // 0 - 1
      ce_pending_ = false;
      gradient_pending_ = false;
    }
  }

  RowReference run(const ReferenceOptions& schedule) {
    ziv_loop(schedule, [this](int precision) {
      enclose(precision);
      decide_pending();
      return pending_ == 0;
    });
    for (std::size_t k = 0; k < finite_.size(); ++k)
      if (finite_[k] != target_) row_.ce_gradient[finite_[k]] = row_.softmax[finite_[k]];
    return std::move(row_);
  }

 private:
  void set_precision(mpfr_prec_t p) {
    for (auto& v : d_) v.set_precision(p);
    for (auto& v : e_) v.set_precision(p);
    for (Interval* v : {&s_, &t_, &one_plus_s_, &r_, &log1p_s_, &out_, &work_}) v->set_precision(p);
    decider_.set_precision(p);
  }

  // The enclosures every output is built from: d_j, exp(d_j), s, the competitor sum t of the
  // target's gradient, r = 1 / (1 + s) and log1p(s).
  void enclose(mpfr_prec_t p) {
    set_precision(p);
    s_.set_zero();
    t_.set_zero();
    for (std::size_t k = 0; k < finite_.size(); ++k) {
      const std::size_t i = finite_[k];
      subtract_doubles(d_[k], x_[i], max_);
      exp(e_[k], d_[k]);
      if (i != argmax_) accumulate(s_, e_[k]);
      if (i != target_) accumulate(t_, e_[k]);
    }
    one_plus(one_plus_s_, s_);
    reciprocal_positive(r_, one_plus_s_);
    log1p(log1p_s_, s_);
  }

  // Decides one output from its enclosure; returns whether it is still pending.
  bool settle(const Interval& v, Exact& out) {
    if (!decider_.decide(v, out)) return true;
    --pending_;
    return false;
  }

  void decide_pending() {
    for (std::size_t k = 0; k < finite_.size(); ++k) {
      const std::size_t i = finite_[k];
      if (softmax_pending_[k]) {
        multiply_nonnegative(out_, e_[k], r_);
        softmax_pending_[k] = settle(out_, row_.softmax[i]);
      }
      if (log_softmax_pending_[k]) {
        subtract(out_, d_[k], log1p_s_);
        log_softmax_pending_[k] = settle(out_, row_.log_softmax[i]);
      }
    }
    if (lse_pending_) {
      add_double(out_, log1p_s_, max_);
      lse_pending_ = settle(out_, row_.logsumexp);
    }
    if (ce_pending_) {
      negate(work_, d_[target_slot_]);  // m - x_y >= 0
      add(out_, work_, log1p_s_);
      ce_pending_ = settle(out_, row_.ce_loss);
    }
    if (gradient_pending_) {
      multiply_nonnegative(work_, t_, r_);
      negate(out_, work_);
      gradient_pending_ = settle(out_, row_.ce_gradient[target_]);
    }
  }

  std::span<const double> x_;
  std::size_t target_;
  double max_ = 0.0;
  std::size_t argmax_ = 0;
  std::vector<std::size_t> finite_;  // indices of the finite entries
  std::size_t target_slot_ = 0;      // position of the target in finite_, if finite
  bool target_masked_ = false;

  std::vector<Interval> d_;  // x_j - m, per finite entry
  std::vector<Interval> e_;  // exp(d_j)
  Interval s_, t_, one_plus_s_, r_, log1p_s_, out_, work_;
  Decider decider_;

  RowReference row_;
  std::vector<bool> softmax_pending_, log_softmax_pending_;
  bool lse_pending_ = true, ce_pending_ = true, gradient_pending_ = true;
  std::size_t pending_ = 0;  // outputs still undecided
};

}  // namespace

int default_initial_precision(Format format) {
  return std::max(2 * traits(format).precision + kGuardBits, kDoubleDoubleBits);
}

ReferenceOptions resolved_schedule(const ReferenceOptions& options, Format format) {
  ReferenceOptions schedule = options;
  if (schedule.initial_precision == 0)
    schedule.initial_precision = default_initial_precision(format);
  if (schedule.max_precision > MPFR_PREC_MAX || schedule.initial_precision < kMinimumPrecision ||
      schedule.initial_precision > schedule.max_precision)
    throw std::invalid_argument("softcheck reference: bad working-precision schedule");
  return schedule;
}

RowReference evaluate_row(std::span<const double> x, Format format, std::size_t target) {
  return evaluate_row(x, format, target, ReferenceOptions{});
}

RowReference evaluate_row(std::span<const double> x, Format format, std::size_t target,
                          const ReferenceOptions& options) {
  const ReferenceOptions schedule = resolved_schedule(options, format);
  const std::size_t n = x.size();
  if (n == 0) {
    RowReference row;
    row.logsumexp = exactly(-fp::kInf<double>);
    row.ce_loss = exactly(fp::kNaN<double>);
    return row;
  }
  if (target >= n) throw std::out_of_range("softcheck reference: target outside the row");

  bool any_nan = false, any_pos_inf = false, all_masked = true;
  for (double v : x) {
    any_nan |= std::isnan(v);
    any_pos_inf |= v == fp::kInf<double>;
    all_masked &= v == -fp::kInf<double>;
  }
  if (any_nan) return uniform_row(n, fp::kNaN<double>, fp::kNaN<double>);
  if (any_pos_inf) return uniform_row(n, fp::kNaN<double>, fp::kInf<double>);
  if (all_masked) return uniform_row(n, fp::kNaN<double>, -fp::kInf<double>);

  if (options.fast_path)
    if (auto row = try_fast_row(x, format, target)) return std::move(*row);
  release_mpfr_caches_at_thread_exit();
  const WidestExponentRange range;
  return FiniteRow(x, format, target).run(schedule);
}

}  // namespace softcheck::reference
