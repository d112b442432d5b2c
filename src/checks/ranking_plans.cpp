// The ranking check's shared row plans: see ranking_plans.hpp.
#include "checks/ranking_plans.hpp"

#include "core/parallel.hpp"

namespace softcheck {

void RankingPlans::plan(const std::vector<RankingRequest>& requests, unsigned threads) {
  if (batch_.rows * batch_.n > kMaxPlannedElements) return;
  for (const RankingRequest& request : requests)
    if (!of(*request.references, request.contract))
      sets_.push_back({request, std::vector<RankingPlan>(batch_.rows)});
  const std::size_t rows = batch_.rows;
  parallel_for(sets_.size() * rows, threads, [&](std::size_t i) {
    Set& set = sets_[i / rows];
    const std::size_t r = i % rows;
    set.rows[r] = plan_ranking(batch_, r, (*set.request.references)[r].elements,
                               set.request.contract);
  });
}

const std::vector<RankingPlan>* RankingPlans::of(const std::vector<reference::OpRow>& references,
                                                 const Contract& contract) const {
  for (const Set& s : sets_)
    if (s.request.references == &references && s.request.contract == contract) return &s.rows;
  return nullptr;
}

}  // namespace softcheck
