// The JSON document of `softcheck hconsistency --json` (read by analyses/hconsistency).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "hconsistency/check.hpp"
#include "hconsistency/search.hpp"

namespace softcheck::hconsistency {

struct ReportMeta {
  std::string command_line;
  std::string version;
  double seconds = 0;
};

void write_json(std::ostream& out, const CheckOptions& options, const CheckResult& check,
                const std::vector<WorstCase>& search, bool searched, const ReportMeta& meta);

}  // namespace softcheck::hconsistency
