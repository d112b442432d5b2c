// The rounding-bias check: whether a kernel's errors lean one way. Per kernel (so per format)
// and family, over the outputs whose exact value is a normal number that the format cannot
// represent, each distinct exact value counted once:
//   error   e = sign(exact) (got - exact) / ulp(exact), positive away from zero;
//   excess  d = sign(exact) (got - rounded) / ulp(exact): e minus the correctly rounded
//           result's own error, the part of the lean that is the kernel's;
// their means in ulps, and the fraction of outputs rounded away from zero. The errors of one
// row may share a component (the row's max and normaliser), so rows are the independent
// units. A family flags the kernel when both means exceed their thresholds: a self-normalised
// concentration bound over the rows' sums with a union bound over every test of the gate run,
// plus the max_bias_ulp the contract declares (proofs/rounding-bias.md). A correctly rounding
// kernel (d = 0) is never flagged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "checks/contract.hpp"
#include "checks/element_check.hpp"
#include "checks/exact_value_numbers.hpp"
#include "core/format.hpp"
#include "reference/reference.hpp"

namespace softcheck {

// The probability, per gate run, that some family of some kernel is flagged when the rows'
// sums of errors, or those of excesses, are symmetric about zero (proofs/rounding-bias.md).
inline constexpr double kBiasFalseAlarm = 1e-6;
// Fewest rows (with at least one counted value) a family needs for a test. Each statistic
// |sum of row sums| / sqrt(sum of their squares) is at most sqrt(rows) (Cauchy-Schwarz) and
// its threshold at least sqrt(2 ln(2 / kBiasFalseAlarm)) = 5.39 (one test): with 29 rows or
// fewer no test could flag, and counting it would only widen the union bound.
inline constexpr std::size_t kMinBiasRows = 30;
// Most distinct exact values counted per kernel and family (the first ones met, in the
// family's order): bounds the memory of the dedup set on long rows (2^20 elements in the deep
// suite).
inline constexpr std::size_t kMaxBiasValues = std::size_t{1} << 15;

// sign(exact) (got - exact) / ulp(exact, format): the error in ulps of the exact value,
// positive when got lies farther from zero than the exact value.
double signed_error_ulps(double got, const reference::Exact& exact, Format format);

// Values within this many ulps of one the format holds count as held: the double-double fast
// paths (reference/fast_row.hpp) and MPFR give the same rounding but not the same remainder far
// below the last bit - a fast path's exact_lo is 0 where the value's distance from exact_hi lies
// inside its error bound (at most 2^-80 relative: a collapsed row's 1 - s, a tie perturbed by
// terms below 2^-1021), MPFR's is its enclosure's midpoint - so the bias counts the values both
// see as inexact, and the gate's figures do not depend on --mpfr-only.
inline constexpr double kNearlyExactUlps = 0x1p-20;
// Exact values closer than this many ulps of the format (whose rounding to double is the same)
// count as one value: repeated rows and ties, whatever the reference path's remainder.
inline constexpr double kDistinctUlps = 0x1p-10;

// The grid on which exact_lo tells distinct values with the same exact_hi apart:
// kDistinctUlps ulp of the format at the value.
double distinct_quantum(const reference::Exact& exact, Format format);

// Whether `format` (that of `exact.rounded`) cannot hold the exact value (a kernel must round
// it), by more than kNearlyExactUlps.
bool needs_rounding(const reference::Exact& exact, Format format);

// Sums over the rows of a family of one signed quantity (error or excess).
struct RowSums {
  double sum = 0.0;      // of every value
  double squares = 0.0;  // of each row's sum, squared
};

// The statistics of one (kernel, family).
struct BiasStats {
  std::size_t values = 0;  // distinct exact values counted
  std::size_t rows = 0;    // rows that contributed at least one value
  RowSums error;           // e, in ulps
  RowSums excess;          // d, in ulps
  std::size_t away = 0;    // e > 0: rounded away from zero

  double mean_error() const;     // in ulps (0 without values)
  double mean_excess() const;    // in ulps (0 without values)
  double away_fraction() const;  // away / values (0 without values)
  bool tested() const { return rows >= kMinBiasRows; }
};

// Most distinct exact values a family's numbering holds (BiasNumbering): those a kernel
// counts first when every output passes; a kernel that skips some tells the later ones apart
// itself.
inline constexpr std::size_t kMaxNumberedValues = kMaxBiasValues;
// The number of a value the check never counts (not finite, or needing no rounding).
inline constexpr std::uint32_t kNotCounted = 0xFFFFFFFFu;

// The numbers of the distinct exact values of one family in one format, shared by every
// kernel checked against them: the gate numbers each reference once, and a kernel's
// accumulator then marks a bit per number instead of hashing each of its outputs.
class BiasNumbering {
 public:
  explicit BiasNumbering(Format format) : format_(format) {}
  // kNotCounted, the value's number, or kUnnumbered once kMaxNumberedValues are numbered.
  std::uint32_t number(const reference::Exact& exact);
  // Room for `more` values beyond those numbered so far (a batch's outputs, before numbering
  // them), up to kMaxNumberedValues.
  void reserve(std::size_t more) { values_.reserve(values_.size() + more, kMaxNumberedValues); }

 private:
  Format format_;
  ExactValueNumbers values_;
};

// Collects one family's outputs for one kernel, each distinct exact value once, row by row.
class BiasAccumulator {
 public:
  explicit BiasAccumulator(Format format) : format_(format) {}
  // An output of the current row whose measurement `m` the gate made: counted when m is an
  // accuracy measurement within its allowance (a larger error is the accuracy check's
  // business, and an element accepted by an absolute bound has no meaningful error in ulps),
  // the exact value needs rounding, and that exact value was not counted before in this family.
  // `number`: the exact value's in the family's BiasNumbering.
  void add(double got, const reference::Exact& exact, const Measurement& m, std::uint32_t number);
  // After the last output of a row: its sums join the family's statistics.
  void end_row();
  // The family's statistics; the accumulator starts over for the next family.
  BiasStats take();
  // Whether it still counts values (fewer than kMaxBiasValues so far in this family).
  bool counting() const { return stats_.values < kMaxBiasValues; }

 private:
  Format format_;
  BiasStats stats_;
  std::size_t row_values_ = 0;
  double row_error_ = 0.0;
  double row_excess_ = 0.0;
  std::vector<bool> counted_;      // by number
  ExactValueNumbers unnumbered_;   // the values counted past the family's numbering

  bool first_count(const reference::Exact& exact, std::uint32_t number);
};

// The thresholds of one tested family, in ulps, each the largest |mean| that rows whose sums
// are independent and symmetric about zero exceed with probability below false_alarm / tests,
//   sqrt(2 ln(2 tests / false_alarm) * squares) / values,
// plus the contract's max_bias_ulp.
struct BiasThresholds {
  double error;
  double excess;
};
BiasThresholds bias_thresholds(const BiasStats& stats, std::size_t tests, const Contract& contract,
                               double false_alarm = kBiasFalseAlarm);

// The bias check of one tested family, in units of the thresholds (like ranking's):
// min(|mean error| / its threshold, |mean excess| / its threshold), allowed 1.
Measurement measure_bias(const BiasStats& stats, std::size_t tests, const Contract& contract);

// "mean error -0.497 ulp (threshold 0.061), excess -0.497 ulp (threshold 0.06) over 5012
// distinct exact values in 990 rows, 0 % rounded away from zero; 1522 tests, max_bias_ulp 0":
// the reproducer's message.
std::string describe_bias(const BiasStats& stats, std::size_t tests, const Contract& contract);

}  // namespace softcheck
