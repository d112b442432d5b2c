// References of the attention normalisers used in place of softmax (loss_family_reference.hpp,
// LossKind::sigmoid_normaliser and softplus_normaliser): Ziv's strategy over interval
// enclosures; the outputs go in LossReference::gradient, the loss is NaN (no loss).
//
// sigmoid normaliser (sigmoid attention with the bias -log n, n the row length):
//   out_j = sigmoid(x_j - log n) = 1 / (1 + n e^(-x_j))        (x_j >= 0)
//                                = e^(x_j) / (e^(x_j) + n)      (x_j < 0)
//   Both forms are quotients of positive terms (no cancellation, no overflow of the exp).
//   Elementwise special values: NaN -> NaN, +inf -> 1, -inf -> 0.
// softplus normaliser (softplus, then l1 normalisation):
//   out_j = sp(x_j) / sum_k sp(x_k),  sp(x) = log(1 + e^x) > 0.
//   With m = max x: for m > 0 the terms are sp itself, sp(x) = x + log1p(e^(-x)) (x > 0),
//   log1p(e^x) (x <= 0); for m <= 0 every term is divided by e^m:
//   sp(x_j) / e^m = e^(x_j - m) g(x_j), g(x) = log1p(t) / t with t = e^x in (0, 1], so the
//   ratios stay exact where sp itself underflows (g in [1 - t/2, 1]; used as such when t
//   underflows MPFR's range).
//   Special values (as softmax's table): a NaN or a +inf in the row, or every entry -inf,
//   makes every output NaN; a -inf entry gets +0.
#include "reference/normaliser_reference.hpp"

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "reference/decider.hpp"
#include "reference/interval.hpp"
#include "reference/interval_scaling.hpp"
#include "reference/ziv.hpp"
#include "fp/constants.hpp"

namespace softcheck::reference {
namespace {

LossReference outputs_only(std::size_t n) {
  LossReference row;
  row.loss = exactly(fp::kNaN<double>);
  row.gradient.resize(n);
  return row;
}

class SigmoidNormaliserRow {
 public:
  SigmoidNormaliserRow(std::span<const double> x, Format format)
      : x_(x), n_(static_cast<double>(x.size())), decider_(format), row_(outputs_only(x.size())) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (std::isnan(x[i])) {
        row_.gradient[i] = exactly(fp::kNaN<double>);
      } else if (std::isinf(x[i])) {
        row_.gradient[i] = exactly(x[i] > 0 ? 1.0 : 0.0);
      } else {
        pending_.push_back(i);
      }
    }
  }

  LossReference run(const ReferenceOptions& schedule) {
    ziv_loop(schedule, [this](int precision) {
      for (Interval* v : {&a_, &e_, &w_, &out_}) v->set_precision(precision);
      decider_.set_precision(precision);
      std::vector<std::size_t> still;
      for (std::size_t i : pending_) {
        enclose(x_[i]);
        if (!decider_.decide(out_, row_.gradient[i])) still.push_back(i);
      }
      pending_ = std::move(still);
      return pending_.empty();
    });
    return std::move(row_);
  }

 private:
  void enclose(double x) {
    subtract_doubles(a_, -std::fabs(x), 0.0);  // -|x|, exact
    exp(e_, a_);                               // e^(-|x|) in (0, 1]
    if (x >= 0) {
      scale(w_, e_, n_);  // n e^(-x)
      one_plus(a_, w_);
      reciprocal_positive(out_, a_);
    } else {
      add_double(w_, e_, n_);  // e^x + n
      divide_nonnegative(out_, e_, w_);
    }
  }

  std::span<const double> x_;
  double n_;
  Decider decider_;
  LossReference row_;
  std::vector<std::size_t> pending_;
  Interval a_, e_, w_, out_;
};

class SoftplusNormaliserRow {
 public:
  SoftplusNormaliserRow(std::span<const double> x, Format format)
      : x_(x), decider_(format), row_(outputs_only(x.size())) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (x[i] == -fp::kInf<double>) {
        row_.gradient[i] = exactly(0.0);
        continue;
      }
      if (finite_.empty() || x[i] > max_) max_ = x[i];
      finite_.push_back(i);
    }
    terms_.resize(finite_.size());
    pending_.assign(finite_.size(), true);
    remaining_ = finite_.size();
  }

  LossReference run(const ReferenceOptions& schedule) {
    ziv_loop(schedule, [this](int precision) {
      set_precision(precision);
      sum_.set_zero();
      for (std::size_t k = 0; k < finite_.size(); ++k) {
        enclose_term(terms_[k], x_[finite_[k]]);
        accumulate(sum_, terms_[k]);
      }
      for (std::size_t k = 0; k < finite_.size(); ++k) {
        if (!pending_[k]) continue;
        divide_nonnegative(out_, terms_[k], sum_);
        if (decider_.decide(out_, row_.gradient[finite_[k]])) pending_[k] = false, --remaining_;
      }
      return remaining_ == 0;
    });
    return std::move(row_);
  }

 private:
  void set_precision(mpfr_prec_t p) {
    for (auto& t : terms_) t.set_precision(p);
    for (Interval* v : {&a_, &t_, &l_, &g_, &e_, &sum_, &out_}) v->set_precision(p);
    decider_.set_precision(p);
  }

  // g(x) = log1p(e^x) / e^x for x <= 0, into g_.
  void enclose_g(double x) {
    subtract_doubles(a_, x, 0.0);
    exp(t_, a_);
    if (mpfr_zero_p(t_.lo())) {  // e^x below MPFR's range: g in [1 - t/2, 1)
      mpfr_div_2ui(g_.lo(), t_.hi(), 1, MPFR_RNDU);
      mpfr_ui_sub(g_.lo(), 1, g_.lo(), MPFR_RNDD);
      mpfr_set_ui(g_.hi(), 1, MPFR_RNDU);
      g_.lo_strict = g_.hi_strict = true;
      return;
    }
    log1p(l_, t_);
    divide_nonnegative(g_, l_, t_);
  }

  // The term of x: sp(x) for m > 0, sp(x) / e^m for m <= 0.
  void enclose_term(Interval& out, double x) {
    if (max_ > 0) {
      subtract_doubles(a_, -std::fabs(x), 0.0);
      exp(t_, a_);    // e^(-|x|)
      log1p(l_, t_);  // log1p(e^(-|x|))
      if (x > 0) return add_double(out, l_, x);
      mpfr_set(out.lo(), l_.lo(), MPFR_RNDD);
      mpfr_set(out.hi(), l_.hi(), MPFR_RNDU);
      out.lo_strict = l_.lo_strict, out.hi_strict = l_.hi_strict;
      return;
    }
    enclose_g(x);
    subtract_doubles(a_, x, max_);
    exp(e_, a_);  // e^(x - m) in (0, 1]
    multiply_nonnegative(out, e_, g_);
  }

  std::span<const double> x_;
  double max_ = 0.0;
  Decider decider_;
  LossReference row_;
  std::vector<std::size_t> finite_;
  std::vector<Interval> terms_;
  std::vector<bool> pending_;
  std::size_t remaining_ = 0;
  Interval a_, t_, l_, g_, e_, sum_, out_;
};

}  // namespace

LossReference sigmoid_normaliser_row(std::span<const double> x, Format format,
                                     const ReferenceOptions& schedule) {
  return SigmoidNormaliserRow(x, format).run(schedule);
}

LossReference softplus_normaliser_row(std::span<const double> x, Format format,
                                      const ReferenceOptions& schedule) {
  for (double v : x)
    if (std::isnan(v) || v == fp::kInf<double>) {
      LossReference row = outputs_only(x.size());
      for (auto& e : row.gradient) e = exactly(fp::kNaN<double>);
      return row;
    }
  bool all_masked = true;
  for (double v : x) all_masked &= v == -fp::kInf<double>;
  if (all_masked) {
    LossReference row = outputs_only(x.size());
    for (auto& e : row.gradient) e = exactly(fp::kNaN<double>);
    return row;
  }
  return SoftplusNormaliserRow(x, format).run(schedule);
}

}  // namespace softcheck::reference
