#include "checks/rounding_bias.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <sstream>

namespace softcheck {
namespace {

// The slots of an empty ExactValueSet; it doubles when half full.
constexpr std::size_t kInitialSlots = 1024;
// The key of an empty slot: a NaN's bits, which no counted (finite) exact value has.
constexpr std::pair<std::uint64_t, std::uint64_t> kEmptySlot{0x7FF8000000000001ull, 0};

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

bool ExactValueSet::insert(const reference::Exact& exact, double quantum) {
  const double lo = std::round(exact.exact_lo / quantum) + 0.0;  // -0 and +0 alike
  const Key key{std::bit_cast<std::uint64_t>(exact.exact_hi), std::bit_cast<std::uint64_t>(lo)};
  const std::size_t slot = slot_of(key);
  if (slots_[slot] == key) return false;
  slots_[slot] = key;
  if (++size_ * 2 > slots_.size()) grow();
  return true;
}

void ExactValueSet::clear() {
  slots_ = std::vector<Key>(kInitialSlots, kEmptySlot);  // releases a grown table
  size_ = 0;
}

std::size_t ExactValueSet::slot_of(const Key& key) const {
  // splitmix64's multiplier mixes the low significand bits, where nearby values differ; the
  // top bits of the product pick the slot.
  constexpr std::uint64_t kMix = 0x9E3779B97F4A7C15ull;
  const int shift = 64 - std::countr_zero(slots_.size());
  const std::size_t mask = slots_.size() - 1;
  std::size_t slot =
      static_cast<std::size_t>(((key.first ^ std::rotl(key.second, 29)) * kMix) >> shift);
  while (slots_[slot] != key && slots_[slot] != kEmptySlot) slot = (slot + 1) & mask;
  return slot;
}

void ExactValueSet::grow() {
  std::vector<Key> old(slots_.size() * 2, kEmptySlot);
  old.swap(slots_);
  for (const Key& key : old)
    if (key != kEmptySlot) slots_[slot_of(key)] = key;
}

void BiasAccumulator::add(double got, const reference::Exact& exact, const Measurement& m) {
  if (m.check != Check::accuracy || !(m.error <= m.allowed)) return;
  if (!needs_rounding(exact, format_) || seen_.size() >= kMaxBiasValues) return;
  if (!seen_.insert(exact, kDistinctUlps * ulp(exact.exact_hi, format_))) return;
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
  seen_.clear();
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
