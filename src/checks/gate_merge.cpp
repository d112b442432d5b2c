// Joining partial gate results: see gate_merge.hpp.
#include "checks/gate_merge.hpp"

#include <algorithm>
#include <cmath>

namespace softcheck {
namespace {

// count_measurement's rule for the worst error, applied to a later part's worst: a larger one,
// or any NaN, replaces it.
void merge_stats(CheckStats& total, const CheckStats& part) {
  total.elements += part.elements;
  total.violations += part.violations;
  if (part.worst_error > total.worst_error || std::isnan(part.worst_error)) {
    total.worst_error = part.worst_error;
    total.worst_allowed = part.worst_allowed;
  }
}

// Families tested for rounding bias over every kernel of the run: the union bound's count.
std::size_t bias_tests(const GateResult& result) {
  std::size_t tests = 0;
  for (const KernelResult& k : result.kernels) tests += k.bias.size();
  return tests;
}

// The bias check of each family a kernel kept statistics for (a pass that only the contract's
// declared max_bias_ulp allows counts as declared, as for the other checks). A violation's
// reproducer names the family; got is the kernel's mean error in ulps, expected that of the
// correctly rounded results, and the message gives the means, thresholds, counts and fraction
// away from zero.
void record_bias(KernelResult& result, std::size_t tests, std::uint64_t seed,
                 std::size_t reproducers_per_check) {
  for (FamilyBias& family : result.bias) {
    const BiasStats& stats = family.stats;
    const Measurement m = measure_bias(stats, tests, result.contract);
    family.thresholds = bias_thresholds(stats, tests, result.contract);
    family.ratio = m.error;
    if (m.pass && !(result.contract == result.baseline) &&
        !measure_bias(stats, tests, result.baseline).pass)
      ++result.declared[Check::bias];
    if (!count_measurement(result, m, reproducers_per_check)) continue;
    result.reproducers.push_back({result.kernel->name(), Check::bias, family.family,
                                  family_seed(seed, family.family), 0, 0, 0, "family",
                                  stats.mean_error(), stats.mean_error() - stats.mean_excess(),
                                  0.0, m.error, m.allowed, 0, 0, {},
                                  describe_bias(stats, tests, result.contract)});
  }
}

Verdict verdict_of(const KernelResult& result) {
  const bool violated = result.violations() > 0;
  if (result.contract.expect_fail) return violated ? Verdict::expected_fail : Verdict::unexpected_pass;
  return violated ? Verdict::fail : Verdict::pass;
}

}  // namespace

bool count_measurement(KernelResult& result, const Measurement& m,
                       std::size_t reproducers_per_check) {
  CheckStats& stats = result.checks[m.check];
  ++stats.elements;
  const bool worse = m.error > stats.worst_error || std::isnan(m.error);
  if (worse) stats.worst_error = m.error, stats.worst_allowed = m.allowed;
  if (m.pass) return false;
  ++stats.violations;
  if (stats.kept >= reproducers_per_check) return false;
  ++stats.kept;
  return true;
}

void merge_kernel_result(KernelResult& total, const KernelResult& part,
                         std::size_t reproducers_per_check) {
  for (const auto& [check, count] : part.declared) total.declared[check] += count;
  for (const auto& [check, stats] : part.checks) merge_stats(total.checks[check], stats);
  for (const Violation& v : part.reproducers) {
    CheckStats& stats = total.checks[v.check];
    if (stats.kept >= reproducers_per_check) continue;
    ++stats.kept;
    total.reproducers.push_back(v);
  }
  total.bias.insert(total.bias.end(), part.bias.begin(), part.bias.end());
}

GateResult join_gate_parts(const GateParts& parts, std::size_t reproducers_per_check,
                           bool decide_bias) {
  GateResult result;
  result.seed = parts.seed;
  result.suite = parts.suite;
  result.kernels = parts.kernels;
  std::vector<const GatePart*> ordered;
  for (const GatePart& part : parts.parts) ordered.push_back(&part);
  std::stable_sort(ordered.begin(), ordered.end(), [](const GatePart* a, const GatePart* b) {
    return a->unit < b->unit;
  });
  for (const GatePart* part : ordered)
    merge_kernel_result(result.kernels.at(part->kernel), part->result, reproducers_per_check);
  for (const auto& [unit, batches] : parts.batch_elements)
    for (std::size_t elements : batches) result.reference_elements += elements;
  if (decide_bias) {
    const std::size_t tests = bias_tests(result);
    for (KernelResult& k : result.kernels) record_bias(k, tests, parts.seed, reproducers_per_check);
  }
  for (KernelResult& k : result.kernels) k.verdict = verdict_of(k);
  return result;
}

}  // namespace softcheck
