// Temperature-scaled softmax reference, softmax(x / T) (LossKind::temperature_softmax): Ziv's
// strategy over interval enclosures, the "1 + s" form of reference.cpp with the division by
// T inside the exponent. With m the row's first maximum (index a),
//   d_j = (x_j - m) / T <= 0,  e_j = exp(d_j),  s = sum_{j != a} e_j,
//   out_j = e_j / (1 + s)      (a quotient of positive terms: no cancellation).
// x_j / T itself is not representable, so it is enclosed (divide_by), never rounded. At small
// T the row collapses: e_j underflows for every j != a once (x_a - x_j) / T exceeds the
// format's range, and out_a = 1 exactly in the format (the enclosure decides it).
// Special values as softmax's table: a NaN or +inf, or every entry -inf, makes every output
// NaN; a -inf entry gets +0. Outputs in LossReference::gradient, loss NaN.
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "reference/decider.hpp"
#include "reference/interval.hpp"
#include "reference/interval_scaling.hpp"
#include "reference/normaliser_reference.hpp"
#include "reference/ziv.hpp"
#include "fp/constants.hpp"

namespace softcheck::reference {
namespace {

class TemperatureSoftmaxRow {
 public:
  TemperatureSoftmaxRow(double temperature, std::span<const double> x, Format format)
      : temperature_(temperature), x_(x), decider_(format) {
    row_.loss = exactly(fp::kNaN<double>);
    row_.gradient.assign(x.size(), exactly(0.0));  // masked entries: +0
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (x[i] == -fp::kInf<double>) continue;
      if (finite_.empty() || x[i] > max_) max_ = x[i], argmax_ = i;
      finite_.push_back(i);
    }
    e_.resize(finite_.size());
    pending_.assign(finite_.size(), true);
    remaining_ = finite_.size();
  }

  LossReference run(const ReferenceOptions& schedule) {
    ziv_loop(schedule, [this](int precision) {
      for (auto& v : e_) v.set_precision(precision);
      for (Interval* v : {&w_, &d_, &s_, &one_plus_s_, &r_, &out_}) v->set_precision(precision);
      decider_.set_precision(precision);
      s_.set_zero();
      for (std::size_t k = 0; k < finite_.size(); ++k) {
        const std::size_t i = finite_[k];
        subtract_doubles(w_, x_[i], max_);
        divide_by(d_, w_, temperature_);
        exp(e_[k], d_);
        if (i != argmax_) accumulate(s_, e_[k]);
      }
      one_plus(one_plus_s_, s_);
      reciprocal_positive(r_, one_plus_s_);
      for (std::size_t k = 0; k < finite_.size(); ++k) {
        if (!pending_[k]) continue;
        multiply_nonnegative(out_, e_[k], r_);
        if (decider_.decide(out_, row_.gradient[finite_[k]])) pending_[k] = false, --remaining_;
      }
      return remaining_ == 0;
    });
    return std::move(row_);
  }

 private:
  double temperature_;
  std::span<const double> x_;
  Decider decider_;
  double max_ = 0.0;
  std::size_t argmax_ = 0;
  std::vector<std::size_t> finite_;
  std::vector<Interval> e_;
  std::vector<bool> pending_;
  std::size_t remaining_ = 0;
  Interval w_, d_, s_, one_plus_s_, r_, out_;
  LossReference row_;
};

}  // namespace

LossReference temperature_softmax_row(double temperature, std::span<const double> x, Format format,
                                      const ReferenceOptions& schedule) {
  bool special = false, all_masked = true;
  for (double v : x) {
    special |= std::isnan(v) || v == fp::kInf<double>;
    all_masked &= v == -fp::kInf<double>;
  }
  if (special || all_masked) {
    LossReference row;
    row.loss = exactly(fp::kNaN<double>);
    row.gradient.assign(x.size(), exactly(fp::kNaN<double>));
    return row;
  }
  return TemperatureSoftmaxRow(temperature, x, format).run(schedule);
}

}  // namespace softcheck::reference
