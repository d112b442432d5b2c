// The ranking check's shared row plans: see ranking_plans.hpp.
#include "checks/ranking_plans.hpp"

namespace softcheck {

const std::vector<RankingPlan>* RankingPlans::of(const std::vector<reference::OpRow>& references,
                                                 const Contract& contract) {
  if (batch_.rows * batch_.n > kMaxPlannedElements) return nullptr;
  Set* set = nullptr;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (Set& s : sets_)
      if (s.references == &references && s.contract == contract) set = &s;
    if (!set) {
      set = &sets_.emplace_back();
      set->references = &references;
      set->contract = contract;
    }
  }
  std::call_once(set->planned, [&] {
    set->rows.reserve(batch_.rows);
    for (std::size_t r = 0; r < batch_.rows; ++r)
      set->rows.push_back(plan_ranking(batch_, r, references[r].elements, contract));
  });
  return &set->rows;
}

}  // namespace softcheck
