// The H-consistency-inspired behaviour checks of the gate (docs/contracts.md):
// properties that the H-consistency bounds of a surrogate loss rely on and that a fast kernel
// must keep beyond its error bound.
//
//   ranking     softmax / log_softmax / stablemax / log_stablemax rows: the kernel never puts
//               two outputs in the opposite order of their exact values when the exact values
//               differ by more than the sum of the two elements' allowances (a tie is not a
//               reversal). One measurement per row.
//   descent     cross-entropy and StableMax cross-entropy gradients: <g, e> > 0 for the
//               kernel's gradient g and the exact gradient e whenever |e|_2 exceeds the bound
//               on the gradient vector, |a|_2 with a_i the elements' allowances. One
//               measurement per row.
//   risk_order  cross-entropy and StableMax cross-entropy losses of consecutive rows r, r + 1
//               of a batch: when the exact losses differ by more than the sum of their
//               allowances the kernel's losses are strictly in the same order (equal losses
//               are a violation there). One measurement per such pair.
//
// The bounds are the contract's accuracy allowances, made absolute (absolute_allowance): no
// contract fields of their own. An output that passes the accuracy (or subnormal) check lies
// within its allowance, so a kernel that passes accuracy everywhere passes these checks too:
// they never flag a kernel that holds its contract, and they say which of an inaccurate
// kernel's errors break the behaviour the bounds rely on.
//
// Each measurement's error is the error of the compared quantity in units of the bound (at
// most 1 for outputs within their allowances): ranking (d - (g_j - g_i)) / (a_i + a_j) for a
// pair i, j with exact gap d = e_j - e_i; descent <e - g, e> / (|e| |a|); risk_order
// (|d| - sign(d) (g_s - g_r)) / (a_r + a_s). The allowed value is d / bound (|e| / |a| for
// descent), the error at which the order flips.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "checks/contract.hpp"
#include "checks/element_check.hpp"
#include "core/batch.hpp"
#include "core/format.hpp"
#include "reference/reference.hpp"

namespace softcheck {

// The largest |got - exact| that measure_element accepts for a finite exact value under
// `contract` (allowed ulps times the ulp of the exact value, the subnormal allowance, the
// rounding of the correctly rounded value, |exact| for flushed subnormals, the row-scale
// term); +inf when unbounded.
double absolute_allowance(const reference::Exact& exact, Format format, const Contract& contract,
                          const ElementContext& context);

// One behaviour measurement and what its reproducer shows.
struct BehaviourOutcome {
  Measurement measurement;
  std::size_t row = 0;
  std::size_t element = 0;  // ranking: the element ranked too low; otherwise 0
  std::string output;       // "out" (ranking), "row" (descent), "loss" (risk_order)
  double got = 0.0;
  double expected = 0.0;
  double exact = 0.0;
  std::string message;      // the pair or product that breaks the order (violations only)
};

// What the ranking check needs of a row besides the kernel's outputs, the same for every
// kernel checked against these references under this contract (checks/behaviour_plans.hpp
// shares it): the elements ordered by e_i + a_i, and for each j how many of them lie below
// e_j - a_j. A view of storage held by RankingPlans.
struct RankingPlan {
  bool applicable = false;                 // at least 2 elements and every reference finite
  std::span<const std::uint32_t> order;    // element indices by e_i + a_i, ascending
  std::span<const std::uint32_t> below;    // below[j]: the i with e_i + a_i < e_j - a_j, counted
  std::span<const long double> values;     // e_i
  std::span<const double> allowances;      // a_i (absolute_allowance)
};

// Where each row's elements lie in a batch's flat plan arrays: row r at [start(r),
// start(r + 1)), from the references' sizes. Flat arrays take one allocation per batch where
// per-row vectors took several per row (the exhaustive sweep plans 2^24 rows of 2 per shard).
class RowSpans {
 public:
  RowSpans() = default;
  explicit RowSpans(const std::vector<std::size_t>& sizes);
  std::size_t start(std::size_t row) const { return start_[row]; }
  std::size_t size(std::size_t row) const { return start_[row + 1] - start_[row]; }
  std::size_t rows() const { return start_.empty() ? 0 : start_.size() - 1; }
  std::size_t elements() const { return start_.empty() ? 0 : start_.back(); }

 private:
  std::vector<std::size_t> start_;
};

// The ranking plans of a batch's rows, in flat arrays, one slot per row. plan() may fill
// different slots on different threads at once.
class RankingPlans {
 public:
  RankingPlans() = default;
  explicit RankingPlans(RowSpans spans);
  // Plans row `row` of `batch` into slot `slot` (exact: the row's references, as many as the
  // slot's span).
  void plan(std::size_t slot, const Batch& batch, std::size_t row,
            std::span<const reference::Exact> exact, const Contract& contract);
  RankingPlan operator[](std::size_t slot) const;

 private:
  RowSpans spans_;
  std::vector<char> applicable_;  // per row; char, not bool, so that threads write apart
  std::vector<std::uint32_t> order_, below_;
  std::vector<long double> values_;
  std::vector<double> allowances_;
};
// The plan of one row alone, as the only row of the returned plans ([0]).
RankingPlans plan_ranking(const Batch& batch, std::size_t row,
                          std::span<const reference::Exact> exact, const Contract& contract);

// What the descent check needs of a row besides the kernel's outputs, the same for every
// kernel checked against these references under this contract: the exact gradient e and the
// squared norms of e and of the allowances a. A view of storage held by DescentPlans.
struct DescentPlan {
  bool applicable = false;             // at least 1 element and every reference finite
  std::span<const long double> values;  // e_i
  long double ee = 0, aa = 0;          // |e|^2, |a|^2
};

// The descent plans of a batch's rows, in one flat array of e_i; as RankingPlans.
class DescentPlans {
 public:
  DescentPlans() = default;
  explicit DescentPlans(RowSpans spans);
  void plan(std::size_t slot, const Batch& batch, std::size_t row,
            std::span<const reference::Exact> exact, const Contract& contract);
  DescentPlan operator[](std::size_t slot) const;

 private:
  struct Norms {
    char applicable = 0;
    long double ee = 0, aa = 0;
  };
  RowSpans spans_;
  std::vector<Norms> norms_;  // per row
  std::vector<long double> values_;
};
DescentPlans plan_descent(const Batch& batch, std::size_t row,
                          std::span<const reference::Exact> exact, const Contract& contract);

// `got`: the kernel's outputs for row `row` of `batch`; `exact`: their references. No outcome
// when the row has nothing to check (fewer than 2 elements, a non-finite reference; descent:
// an exact gradient within its bound).
std::optional<BehaviourOutcome> check_ranking(const Batch& batch, std::size_t row,
                                              std::span<const double> got,
                                              std::span<const reference::Exact> exact,
                                              const Contract& contract);
// The same from the row's plan (plan_ranking of these references and contract).
std::optional<BehaviourOutcome> check_ranking(std::size_t row, std::span<const double> got,
                                              std::span<const reference::Exact> exact,
                                              const RankingPlan& plan);
std::optional<BehaviourOutcome> check_descent(const Batch& batch, std::size_t row,
                                              std::span<const double> got,
                                              std::span<const reference::Exact> exact,
                                              const Contract& contract);
// The same from the row's plan (plan_descent of these references and contract).
std::optional<BehaviourOutcome> check_descent(std::size_t row, std::span<const double> got,
                                              std::span<const reference::Exact> exact,
                                              const DescentPlan& plan);
// `got` and `exact`: one loss per row of `batch`. One outcome per pair (r, r + 1) whose exact
// losses differ by more than the bound.
std::vector<BehaviourOutcome> check_risk_order(const Batch& batch, std::span<const double> got,
                                               std::span<const reference::Exact> exact,
                                               const Contract& contract);

}  // namespace softcheck
