// The behaviour checks' shared row plans: see behaviour_plans.hpp.
#include "checks/behaviour_plans.hpp"

#include "core/parallel.hpp"

namespace softcheck {

void BehaviourPlans::plan(const std::vector<BehaviourRequest>& requests, unsigned threads) {
  if (batch_.rows * batch_.n > kMaxPlannedElements) return;
  const std::size_t rows = batch_.rows;
  for (const BehaviourRequest& request : requests) {
    if (find(request)) continue;
    Set& set = sets_.emplace_back(Set{request, {}, {}});
    if (request.check == Check::ranking) set.ranking.resize(rows);
    else set.descent.resize(rows);
  }
  parallel_for(sets_.size() * rows, threads, [&](std::size_t i) {
    Set& set = sets_[i / rows];
    const std::size_t r = i % rows;
    const auto& exact = (*set.request.references)[r].elements;
    if (set.request.check == Check::ranking)
      set.ranking[r] = plan_ranking(batch_, r, exact, set.request.contract);
    else
      set.descent[r] = plan_descent(batch_, r, exact, set.request.contract);
  });
}

const BehaviourPlans::Set* BehaviourPlans::find(const BehaviourRequest& request) const {
  for (const Set& s : sets_)
    if (s.request.check == request.check && s.request.references == request.references &&
        s.request.contract == request.contract)
      return &s;
  return nullptr;
}

const std::vector<RankingPlan>* BehaviourPlans::ranking(
    const std::vector<reference::OpRow>& references, const Contract& contract) const {
  const Set* set = find({Check::ranking, &references, contract});
  return set ? &set->ranking : nullptr;
}

const std::vector<DescentPlan>* BehaviourPlans::descent(
    const std::vector<reference::OpRow>& references, const Contract& contract) const {
  const Set* set = find({Check::descent, &references, contract});
  return set ? &set->descent : nullptr;
}

}  // namespace softcheck
