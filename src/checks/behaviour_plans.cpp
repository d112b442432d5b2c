// The behaviour checks' shared row plans: see behaviour_plans.hpp.
#include "checks/behaviour_plans.hpp"

#include "core/parallel.hpp"

namespace softcheck {

void BehaviourPlans::plan(const std::vector<BehaviourRequest>& requests, unsigned threads) {
  if (batch_.rows * batch_.n > kMaxPlannedElements) return;
  const std::size_t rows = batch_.rows;
  for (const BehaviourRequest& request : requests) {
    if (find(request)) continue;
    std::vector<std::size_t> sizes(rows);
    for (std::size_t r = 0; r < rows; ++r) sizes[r] = (*request.references)[r].elements.size();
    Set& set = sets_.emplace_back(Set{request, {}, {}});
    if (request.check == Check::ranking) set.ranking = RankingPlans(RowSpans(sizes));
    else set.descent = DescentPlans(RowSpans(sizes));
  }
  parallel_for(sets_.size() * rows, threads, [&](std::size_t i) {
    Set& set = sets_[i / rows];
    const std::size_t r = i % rows;
    const auto& exact = (*set.request.references)[r].elements;
    if (set.request.check == Check::ranking)
      set.ranking.plan(r, batch_, r, exact, set.request.contract);
    else
      set.descent.plan(r, batch_, r, exact, set.request.contract);
  });
}

const BehaviourPlans::Set* BehaviourPlans::find(const BehaviourRequest& request) const {
  for (const Set& s : sets_)
    if (s.request.check == request.check && s.request.references == request.references &&
        s.request.contract == request.contract)
      return &s;
  return nullptr;
}

const RankingPlans* BehaviourPlans::ranking(
    const std::vector<reference::OpRow>& references, const Contract& contract) const {
  const Set* set = find({Check::ranking, &references, contract});
  return set ? &set->ranking : nullptr;
}

const DescentPlans* BehaviourPlans::descent(
    const std::vector<reference::OpRow>& references, const Contract& contract) const {
  const Set* set = find({Check::descent, &references, contract});
  return set ? &set->descent : nullptr;
}

}  // namespace softcheck
