#include "checks/rounding_bias.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <sstream>

namespace softcheck {
namespace {

double mean_of(const RowSums& sums, std::size_t values) {
  return values == 0 ? 0.0 : sums.sum / static_cast<double>(values);
}

// |mean| / threshold, 0 for a zero mean (then every row sum may be 0, and the threshold too).
double ratio(double mean, double threshold) {
  return mean == 0.0 ? 0.0 : std::fabs(mean) / threshold;
}

void add_row(RowSums& sums, double row_sum) {
  sums.sum += row_sum;
  sums.squares += row_sum * row_sum;
}

}  // namespace

double signed_error_ulps(double got, const reference::Exact& exact, Format format) {
  const double error = ((got - exact.exact_hi) - exact.exact_lo) / ulp(exact.exact_hi, format);
  return std::signbit(exact.exact_hi) ? -error : error;
}

double distinct_quantum(const reference::Exact& exact, Format format) {
  return kDistinctUlps * ulp(exact.exact_hi, format);
}

bool needs_rounding(const reference::Exact& exact, Format format) {
  // `rounded` is the exact value rounded to the kernel's format; the exact value lies
  // (exact_hi - rounded) + exact_lo from it.
  const double apart = std::fabs((exact.exact_hi - exact.rounded) + exact.exact_lo);
  return !(apart <= kNearlyExactUlps * ulp(exact.exact_hi, format));
}

double BiasStats::mean_error() const {
  return mean_of(error, values);
}

double BiasStats::mean_excess() const {
  return mean_of(excess, values);
}

double BiasStats::away_fraction() const {
  return values == 0 ? 0.0 : static_cast<double>(away) / static_cast<double>(values);
}

std::uint32_t BiasNumbering::number(const reference::Exact& exact) {
  if (!std::isfinite(exact.exact_hi) || !needs_rounding(exact, format_)) return kNotCounted;
  return values_.number(exact, distinct_quantum(exact, format_), kMaxNumberedValues);
}

bool BiasAccumulator::first_count(const reference::Exact& exact, std::uint32_t number) {
  if (number == kUnnumbered) {
    const std::size_t before = unnumbered_.size();
    unnumbered_.number(exact, distinct_quantum(exact, format_), kMaxBiasValues);
    return unnumbered_.size() > before;
  }
  if (number >= counted_.size()) counted_.resize(std::max<std::size_t>(number + 1, 2 * counted_.size()));
  if (counted_[number]) return false;
  counted_[number] = true;
  return true;
}

void BiasAccumulator::add(double got, const reference::Exact& exact, const Measurement& m,
                          std::uint32_t number) {
  if (m.check != Check::accuracy || !(m.error <= m.allowed)) return;
  if (number == kNotCounted || stats_.values >= kMaxBiasValues) return;
  if (!first_count(exact, number)) return;
  const double error = signed_error_ulps(got, exact, format_);
  ++stats_.values;
  ++row_values_;
  row_error_ += error;
  row_excess_ += error - signed_error_ulps(exact.rounded, exact, format_);
  if (error > 0.0) ++stats_.away;
}

void BiasAccumulator::end_row() {
  if (row_values_ == 0) return;
  ++stats_.rows;
  add_row(stats_.error, row_error_);
  add_row(stats_.excess, row_excess_);
  row_values_ = 0;
  row_error_ = row_excess_ = 0.0;
}

BiasStats BiasAccumulator::take() {
  end_row();
  const BiasStats stats = stats_;
  stats_ = {};
  counted_.clear();
  unnumbered_.clear();
  return stats;
}

BiasThresholds bias_thresholds(const BiasStats& stats, std::size_t tests, const Contract& contract,
                               double false_alarm) {
  const double k = static_cast<double>(std::max<std::size_t>(tests, 1));
  const double factor = std::sqrt(2.0 * std::log(2.0 * k / false_alarm));
  const double values = static_cast<double>(stats.values);
  const auto threshold = [&](const RowSums& sums) {
    return factor * std::sqrt(sums.squares) / values + contract.max_bias_ulp;
  };
  return {threshold(stats.error), threshold(stats.excess)};
}

Measurement measure_bias(const BiasStats& stats, std::size_t tests, const Contract& contract) {
  const BiasThresholds t = bias_thresholds(stats, tests, contract);
  const double error =
      std::min(ratio(stats.mean_error(), t.error), ratio(stats.mean_excess(), t.excess));
  return {Check::bias, error, 1.0, error <= 1.0};
}

std::string describe_bias(const BiasStats& stats, std::size_t tests, const Contract& contract) {
  const BiasThresholds t = bias_thresholds(stats, tests, contract);
  std::ostringstream text;
  text.precision(3);
  text << "mean error " << stats.mean_error() << " ulp (threshold " << t.error << "), excess "
       << stats.mean_excess() << " ulp (threshold " << t.excess << ") over " << stats.values
       << " distinct exact values in " << stats.rows << " rows, " << 100.0 * stats.away_fraction()
       << " % rounded away from zero; " << tests << " tests, max_bias_ulp "
       << contract.max_bias_ulp;
  return text.str();
}

}  // namespace softcheck
