// The behaviour checks' row plans (behaviour_checks.hpp: RankingPlan, DescentPlan) for one
// batch, shared by every kernel checked against the same references under the same contract:
// the sort of a row's elements by e_i + a_i and the search for each e_j - a_j (ranking), the
// allowances and norms (descent), are then made once instead of once per kernel (the gate
// checks tens of kernels against one reference). The gate plans every set it will need before
// its threads check kernels, spreading the rows over those threads; the kernels then only
// read the plans.
#pragma once

#include <cstddef>
#include <vector>

#include "checks/behaviour_checks.hpp"
#include "checks/contract.hpp"
#include "core/batch.hpp"
#include "reference/op_reference.hpp"

namespace softcheck {

// Batches above this many elements are not planned ahead (a kernel then plans its own rows):
// a set holds about 40 bytes per element, so at most 10 MiB.
inline constexpr std::size_t kMaxPlannedElements = std::size_t{1} << 18;

// One set of plans to make: the `check` (ranking or descent) of every row of `references`
// (one OpRow per row, the checked outputs in elements) under `contract`.
struct BehaviourRequest {
  Check check;
  const std::vector<reference::OpRow>* references;
  Contract contract;
};

class BehaviourPlans {
 public:
  explicit BehaviourPlans(const Batch& batch) : batch_(batch) {}

  // Plans the rows of every distinct request on up to `threads` threads; nothing for a batch
  // too large to plan ahead.
  void plan(const std::vector<BehaviourRequest>& requests, unsigned threads);

  // The plans of a request made by plan(); nullptr when it was not planned.
  const RankingPlans* ranking(const std::vector<reference::OpRow>& references,
                                          const Contract& contract) const;
  const DescentPlans* descent(const std::vector<reference::OpRow>& references,
                                          const Contract& contract) const;

 private:
  struct Set {
    BehaviourRequest request;
    RankingPlans ranking;  // for a ranking request
    DescentPlans descent;  // for a descent request
  };
  const Set* find(const BehaviourRequest& request) const;
  const Batch& batch_;
  std::vector<Set> sets_;
};

}  // namespace softcheck
