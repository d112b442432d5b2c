// Joining partial gate results: see gate_merge.hpp.
#include "checks/gate_merge.hpp"

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

}  // namespace

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

}  // namespace softcheck
