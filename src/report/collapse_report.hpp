// Writers for softmax-collapse measurements (checks/collapse.hpp): the console table and JSON.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "checks/collapse.hpp"
#include "report/gate_report.hpp"  // RunInfo

namespace softcheck {

// A gap below 10^6 with three decimals (the linear grid's step is 1/64), a larger one (the
// StableMax sweep's) with seven significant digits; "none" for none, "never" for +infinity.
std::string gap_text(const std::optional<double>& gap);

void print_collapse_table(std::ostream& out, const std::vector<collapse::Result>& results);
void write_collapse_json(std::ostream& out, const std::vector<collapse::Result>& results,
                         const RunInfo& info);

}  // namespace softcheck
