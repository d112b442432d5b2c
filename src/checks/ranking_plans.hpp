// The ranking check's row plans (behaviour_checks.hpp, RankingPlan) for one batch, shared by
// every kernel checked against the same references under the same contract: the sort of a
// row's elements by e_i + a_i and the search for each e_j - a_j are then made once instead of
// once per kernel (the gate checks tens of kernels against one reference). Safe to use from
// the gate's threads: the first request computes a set, later ones wait for it.
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <vector>

#include "checks/behaviour_checks.hpp"
#include "checks/contract.hpp"
#include "core/batch.hpp"
#include "reference/op_reference.hpp"

namespace softcheck {

// Batches above this many elements are not planned ahead (a kernel then plans its own rows):
// a set holds about 32 bytes per element, so at most 8 MiB.
inline constexpr std::size_t kMaxPlannedElements = std::size_t{1} << 18;

class RankingPlans {
 public:
  explicit RankingPlans(const Batch& batch) : batch_(batch) {}

  // The plans of every row of the batch for `references` (one OpRow per row, the ranked
  // outputs in elements) under `contract`; nothing (nullptr) for a batch too large to plan.
  const std::vector<RankingPlan>* of(const std::vector<reference::OpRow>& references,
                                     const Contract& contract);

 private:
  struct Set {
    const std::vector<reference::OpRow>* references;
    Contract contract;
    std::once_flag planned;
    std::vector<RankingPlan> rows;
  };
  const Batch& batch_;
  std::mutex mutex_;
  std::list<Set> sets_;  // stable addresses while other threads read them
};

}  // namespace softcheck
