#include "checks/behaviour_checks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <utility>

#include "fp/constants.hpp"

namespace softcheck {
namespace {

using Wide = long double;  // 64-bit significand and a 15-bit exponent on x86-64: no underflow

Wide wide(const reference::Exact& e) { return static_cast<Wide>(e.exact_hi) + e.exact_lo; }

bool all_finite(std::span<const reference::Exact> exact) {
  return std::all_of(exact.begin(), exact.end(),
                     [](const reference::Exact& e) { return std::isfinite(e.rounded); });
}

std::string text(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

// error / bound without 0 / 0: a zero bound (a contract of 0 ulps on exact outputs) makes
// any shortfall infinite.
double ratio(Wide error, Wide bound) {
  if (bound > 0) return static_cast<double>(error / bound);
  return error > 0 ? fp::kInf<double> : 0.0;
}

// A kernel output that is NaN or infinite where the exact value is finite breaks every order.
std::optional<BehaviourOutcome> non_finite_output(Check check, std::size_t row,
                                                  std::span<const double> got,
                                                  std::span<const reference::Exact> exact,
                                                  const char* output) {
  for (std::size_t i = 0; i < got.size(); ++i)
    if (!std::isfinite(got[i]))
      return BehaviourOutcome{{check, fp::kInf<double>, 0.0, false}, row, i, output, got[i],
                              exact[i].rounded, exact[i].exact_hi,
                              std::string(output) + "[" + std::to_string(i) +
                                  "] is not finite where the exact value is"};
  return std::nullopt;
}

// Element i of a ranking plan's sort: e_i + a_i and e_i - a_i rounded to double, which
// compare as the Wide values do wherever they differ (rounding is monotone); ties go to the
// Wide values themselves (RankingBounds), so the sort and the searches give the same results
// as on the Wide values, with double comparisons almost everywhere.
struct Upper {
  double upper;  // e_i + a_i, rounded
  double lower;  // e_i - a_i, rounded
  std::uint32_t index;
};

// The Wide e_i + a_i and e_i - a_i of a row, by element.
struct RankingBounds {
  std::vector<Wide> upper, lower;
  // Whether u's e_i + a_i lies below v's (the sort's order).
  bool upper_below(const Upper& u, const Upper& v) const {
    return u.upper < v.upper || (u.upper == v.upper && upper[u.index] < upper[v.index]);
  }
  // Whether u's e_i + a_i lies below element j's e_j - a_j.
  bool below_lower(const Upper& u, const Upper& j) const {
    return u.upper < j.lower || (u.upper == j.lower && upper[u.index] < lower[j.index]);
  }
};

}  // namespace

double absolute_allowance(const reference::Exact& exact, Format format, const Contract& contract,
                          const ElementContext& context) {
  const bool normal = std::fabs(exact.exact_hi) >= min_normal(format);
  const double ulps = allowed_ulps(contract, context);
  double allowance = normal ? ulps * ulp(exact.exact_hi, format)
                            : std::max(contract.subnormal_ulp, ulps) * denorm_min(format);
  // The correctly rounded value always passes, a flushed subnormal may be 0, and the row-scale
  // term accepts absolute errors (measure_element).
  allowance = std::max(allowance, std::fabs((exact.rounded - exact.exact_hi) - exact.exact_lo));
  if (!normal && contract.flush_subnormals) allowance = std::max(allowance, std::fabs(exact.exact_hi));
  if (contract.abs_ulp_of_scale > 0.0)
    allowance = std::max(allowance, contract.abs_ulp_of_scale * ulp(context.scale, format));
  if (contract.abs_ulp_of_output_norm > 0.0 && context.output_norm > 0.0)
    allowance = std::max(allowance,
                         contract.abs_ulp_of_output_norm * ulp(context.output_norm, format));
  if (contract.abs_eps > 0.0) allowance = std::max(allowance, contract.abs_eps * epsilon(format));
  return std::isnan(allowance) ? fp::kInf<double> : allowance;
}

RowSpans::RowSpans(const std::vector<std::size_t>& sizes) : start_(sizes.size() + 1, 0) {
  for (std::size_t r = 0; r < sizes.size(); ++r) start_[r + 1] = start_[r] + sizes[r];
}

RankingPlans::RankingPlans(RowSpans spans)
    : spans_(std::move(spans)),
      applicable_(spans_.rows(), 0),
      order_(spans_.elements()),
      below_(spans_.elements()),
      values_(spans_.elements()),
      allowances_(spans_.elements()) {}

RankingPlan RankingPlans::operator[](std::size_t slot) const {
  if (!applicable_[slot]) return {};
  const std::size_t start = spans_.start(slot), n = spans_.size(slot);
  return {true, {order_.data() + start, n}, {below_.data() + start, n},
          {values_.data() + start, n}, {allowances_.data() + start, n}};
}

// Strict reversals beyond the bound, in O(n log n): sort the elements by e_i + a_i and keep
// the running maximum of the outputs; element j is ranked too low iff some i with
// e_i + a_i < e_j - a_j (an exact gap beyond the bound) has out_i > out_j, i.e. iff the
// largest output over that prefix exceeds out_j. That largest one is j's witness.
void RankingPlans::plan(std::size_t slot, const Batch& batch, std::size_t row,
                        std::span<const reference::Exact> exact, const Contract& contract) {
  const std::size_t n = exact.size();
  if (n != spans_.size(slot)) throw std::logic_error("softcheck: ranking plan of another size");
  if (n < 2 || !all_finite(exact)) return;
  applicable_[slot] = 1;
  const std::size_t start = spans_.start(slot);
  long double* values = values_.data() + start;
  double* allowances = allowances_.data() + start;
  std::uint32_t* order = order_.data() + start;
  std::uint32_t* below_count = below_.data() + start;
  // Per-thread scratch, reused from row to row; bound to references once, so that the sort's
  // comparisons and the searches do not look the thread-local storage up each time.
  thread_local std::vector<Upper> scratch_uppers;
  thread_local RankingBounds scratch_bounds;
  std::vector<Upper>& uppers = scratch_uppers;
  RankingBounds& bounds = scratch_bounds;
  uppers.resize(n);
  bounds.upper.resize(n);
  bounds.lower.resize(n);
  const auto logits = batch.row(row);
  const RowFacts facts = row_facts(logits);
  const double norm = output_norm(exact);
  for (std::size_t i = 0; i < n; ++i) {
    values[i] = wide(exact[i]);
    allowances[i] = absolute_allowance(exact[i], batch.format, contract,
                                       element_context(facts, logits, i, norm));
    bounds.upper[i] = values[i] + allowances[i];
    bounds.lower[i] = values[i] - allowances[i];
    uppers[i] = {static_cast<double>(bounds.upper[i]), static_cast<double>(bounds.lower[i]),
                 static_cast<std::uint32_t>(i)};
  }
  std::sort(uppers.begin(), uppers.end(),
            [&bounds](const Upper& a, const Upper& b) { return bounds.upper_below(a, b); });
  for (std::size_t k = 0; k < n; ++k) order[k] = uppers[k].index;
  // below[j] counts the e_i + a_i < e_j - a_j; as e_j - a_j <= e_j + a_j, that is at most j's
  // own position k, and usually close below it: gallop down from k, then bisect.
  const auto below = [&bounds](const Upper& u, const Upper& j) { return bounds.below_lower(u, j); };
  for (std::size_t k = 0; k < n; ++k) {
    const Upper& j = uppers[k];
    std::size_t high = k, step = 1;  // uppers[high] is not below j's lower
    while (step <= high && !below(uppers[high - step], j)) high -= step, step *= 2;
    const std::size_t low = step <= high ? high - step + 1 : 0;  // uppers[low - 1] is
    const auto end = std::lower_bound(uppers.begin() + static_cast<std::ptrdiff_t>(low),
                                      uppers.begin() + static_cast<std::ptrdiff_t>(high), j, below);
    below_count[j.index] = static_cast<std::uint32_t>(end - uppers.begin());
  }
}

RankingPlans plan_ranking(const Batch& batch, std::size_t row,
                          std::span<const reference::Exact> exact, const Contract& contract) {
  RankingPlans plans(RowSpans({exact.size()}));
  plans.plan(0, batch, row, exact, contract);
  return plans;
}

std::optional<BehaviourOutcome> check_ranking(const Batch& batch, std::size_t row,
                                              std::span<const double> got,
                                              std::span<const reference::Exact> exact,
                                              const Contract& contract) {
  return check_ranking(row, got, exact, plan_ranking(batch, row, exact, contract)[0]);
}

std::optional<BehaviourOutcome> check_ranking(std::size_t row, std::span<const double> got,
                                              std::span<const reference::Exact> exact,
                                              const RankingPlan& plan) {
  if (!plan.applicable) return std::nullopt;
  if (auto bad = non_finite_output(Check::ranking, row, got, exact, "out")) return bad;
  const std::size_t n = got.size();
  const auto& values = plan.values;
  const auto& allowances = plan.allowances;
  thread_local std::vector<std::size_t> scratch_best;
  std::vector<std::size_t>& best = scratch_best;  // best[k]: largest output among order[0..k]
  best.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = plan.order[k];
    best[k] = (k == 0 || got[i] > got[best[k - 1]]) ? i : best[k - 1];
  }

  bool violated = false;
  double worst_error = -fp::kInf<double>, worst_allowed = 0.0;
  std::size_t worst_i = 0, worst_j = 0;
  for (std::size_t j = 0; j < n; ++j) {
    if (plan.below[j] == 0) continue;
    const std::size_t i = best[plan.below[j] - 1];
    const Wide gap = values[j] - values[i];  // > a_i + a_j
    const Wide bound = static_cast<Wide>(allowances[i]) + allowances[j];
    const bool reversed = got[i] > got[j];
    const double error = ratio(gap - (static_cast<Wide>(got[j]) - got[i]), bound);
    if (violated && !reversed) continue;  // a violation outranks any pass
    if ((reversed && !violated) || error > worst_error) {
      violated = violated || reversed;
      worst_error = error, worst_allowed = ratio(gap, bound);
      worst_i = i, worst_j = j;
    }
  }
  if (worst_error == -fp::kInf<double>) return std::nullopt;  // no pair differs beyond the bound
  BehaviourOutcome outcome{{Check::ranking, worst_error, worst_allowed, !violated},
                           row, worst_j, "out", got[worst_j], exact[worst_j].rounded,
                           exact[worst_j].exact_hi, {}};
  if (violated)
    outcome.message = "out[" + std::to_string(worst_i) + "] = " + text(got[worst_i]) +
                      " > out[" + std::to_string(worst_j) + "] = " + text(got[worst_j]) +
                      ", exact " + text(exact[worst_i].exact_hi) + " < " +
                      text(exact[worst_j].exact_hi) + " (gap " +
                      text(static_cast<double>(values[worst_j] - values[worst_i])) +
                      ", bound " + text(allowances[worst_i] + allowances[worst_j]) + ")";
  return outcome;
}

DescentPlans::DescentPlans(RowSpans spans)
    : spans_(std::move(spans)), norms_(spans_.rows()), values_(spans_.elements()) {}

DescentPlan DescentPlans::operator[](std::size_t slot) const {
  const Norms& norms = norms_[slot];
  if (!norms.applicable) return {};
  return {true, {values_.data() + spans_.start(slot), spans_.size(slot)}, norms.ee, norms.aa};
}

void DescentPlans::plan(std::size_t slot, const Batch& batch, std::size_t row,
                        std::span<const reference::Exact> exact, const Contract& contract) {
  const std::size_t n = exact.size();
  if (n != spans_.size(slot)) throw std::logic_error("softcheck: descent plan of another size");
  if (n == 0 || !all_finite(exact)) return;
  Norms& norms = norms_[slot];
  norms.applicable = 1;
  long double* values = values_.data() + spans_.start(slot);
  const auto logits = batch.row(row);
  const RowFacts facts = row_facts(logits);
  const double norm = output_norm(exact);
  for (std::size_t i = 0; i < n; ++i) {
    const Wide e = wide(exact[i]);
    const Wide a =
        absolute_allowance(exact[i], batch.format, contract, element_context(facts, logits, i, norm));
    values[i] = e;
    norms.ee += e * e;
    norms.aa += a * a;
  }
}

DescentPlans plan_descent(const Batch& batch, std::size_t row,
                          std::span<const reference::Exact> exact, const Contract& contract) {
  DescentPlans plans(RowSpans({exact.size()}));
  plans.plan(0, batch, row, exact, contract);
  return plans;
}

std::optional<BehaviourOutcome> check_descent(const Batch& batch, std::size_t row,
                                              std::span<const double> got,
                                              std::span<const reference::Exact> exact,
                                              const Contract& contract) {
  return check_descent(row, got, exact, plan_descent(batch, row, exact, contract)[0]);
}

std::optional<BehaviourOutcome> check_descent(std::size_t row, std::span<const double> got,
                                              std::span<const reference::Exact> exact,
                                              const DescentPlan& plan) {
  if (!plan.applicable) return std::nullopt;
  if (auto bad = non_finite_output(Check::descent, row, got, exact, "out")) return bad;
  const Wide ee = plan.ee, aa = plan.aa;
  if (!(ee > aa)) return std::nullopt;  // |e| within the bound: no direction to keep
  Wide ge = 0;
  for (std::size_t i = 0; i < got.size(); ++i) ge += static_cast<Wide>(got[i]) * plan.values[i];
  const Wide norm_e = std::sqrt(ee), norm_a = std::sqrt(aa);
  const bool pass = ge > 0;
  const double error = ratio(ee - ge, norm_e * norm_a);
  BehaviourOutcome outcome{{Check::descent, error, ratio(norm_e, norm_a), pass}, row, 0, "row",
                           static_cast<double>(ge), static_cast<double>(ee),
                           static_cast<double>(ee), {}};
  if (!pass)
    outcome.message = "<g, e> = " + text(static_cast<double>(ge)) + " <= 0 with |e| = " +
                      text(static_cast<double>(norm_e)) + " > bound " +
                      text(static_cast<double>(norm_a)) + " (got: <g, e>; expected: |e|^2)";
  return outcome;
}

std::vector<BehaviourOutcome> check_risk_order(const Batch& batch, std::span<const double> got,
                                               std::span<const reference::Exact> exact,
                                               const Contract& contract) {
  std::vector<BehaviourOutcome> outcomes;
  if (batch.n == 0 || batch.rows < 2) return outcomes;
  std::vector<double> allowances(batch.rows);
  for (std::size_t r = 0; r < batch.rows; ++r)
    allowances[r] = std::isfinite(exact[r].rounded)
                        ? absolute_allowance(exact[r], batch.format, contract,
                                             row_output_context(row_facts(batch.row(r)), batch.n))
                        : fp::kInf<double>;
  for (std::size_t r = 0; r + 1 < batch.rows; ++r) {
    const std::size_t s = r + 1;
    if (!std::isfinite(exact[r].rounded) || !std::isfinite(exact[s].rounded)) continue;
    const Wide d = wide(exact[s]) - wide(exact[r]);
    const Wide bound = static_cast<Wide>(allowances[r]) + allowances[s];
    if (!(std::fabs(d) > bound)) continue;
    const Wide sign = d > 0 ? 1 : -1;
    const Wide kept = sign * (static_cast<Wide>(got[s]) - got[r]);  // > 0: same order
    const bool finite = std::isfinite(got[r]) && std::isfinite(got[s]);
    const bool pass = finite && kept > 0;
    const double error = finite ? ratio(std::fabs(d) - kept, bound) : fp::kInf<double>;
    BehaviourOutcome outcome{{Check::risk_order, error, ratio(std::fabs(d), bound), pass},
                             s, 0, "loss", got[s], exact[s].rounded, exact[s].exact_hi, {}};
    if (!pass)
      outcome.message = "loss[" + std::to_string(r) + "] = " + text(got[r]) + ", loss[" +
                        std::to_string(s) + "] = " + text(got[s]) + ": exact " +
                        text(exact[r].exact_hi) + (d > 0 ? " < " : " > ") +
                        text(exact[s].exact_hi) + " (difference " +
                        text(static_cast<double>(std::fabs(d))) + ", bound " +
                        text(static_cast<double>(bound)) + ")";
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

}  // namespace softcheck
