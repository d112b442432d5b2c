// What the report writers share: verdict counts, groupings of kernels by (op, format), the
// globs that reproduce a group, and number formatting.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "stability_report/stability_report.hpp"

namespace softcheck::stability {

struct VerdictCounts {
  std::size_t pass = 0, fail = 0, expected_fail = 0, unexpected_pass = 0;
};
VerdictCounts count_verdicts(const GateResult& gate);

// "op/format" -> the kernels of the report in that group, in report order.
using Group = std::pair<std::string, std::vector<const Kernel*>>;
std::vector<Group> groups_of(const std::vector<const Kernel*>& kernels);
// The globs that select exactly `kernels`: "*/op/format/*" when they are every registered
// kernel of their op and format, else their names.
std::vector<std::string> globs_for(const std::vector<const Kernel*>& kernels);

// "3.2", "1.2e+07", "inf", "-" for NaN.
std::string short_number(double value);
// An id usable in HTML anchors: the name with '/' and other punctuation as '-'.
std::string anchor(const std::string& name);
// The worst accuracy error of a kernel's gate run (ulps), NaN when the check did not apply.
double worst_accuracy(const KernelResult& kernel);
// How the report's selection was made, for the command lines (--kernel ... or nothing).
std::vector<std::string> selection_globs(const StabilityReport& report);

}  // namespace softcheck::stability
