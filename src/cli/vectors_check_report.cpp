// The reports of `softcheck vectors check`: see vectors_check_report.hpp.
#include "cli/vectors_check_report.hpp"

#include <iostream>
#include <sstream>

#include "report/attention_report.hpp"

namespace softcheck::cli {

int report_vectors_check(const GateResult& result, const AttentionGateResult* attention,
                         const vectors::VectorsAccount& account, bool fail_on_skip,
                         const RunInfo& info, std::ostream* json, std::ostream* junit) {
  const std::string replay = "softcheck vectors check --dir '" + account.dir + "'";
  if (!result.kernels.empty()) {
    print_reproducers(std::cout, result, [&replay](const Violation&) { return replay; });
    print_gate_table(std::cout, result);
  }
  if (attention) {
    print_attention_reproducers(std::cout, *attention,
                                [&replay](const AttentionViolation&) { return replay; });
    print_attention_table(std::cout, *attention);
  }
  vectors::print_vectors_summary(std::cout, account);
  if (json) {
    std::ostringstream text;
    write_gate_json(text, result, info, attention);
    *json << vectors::add_vectors_json(text.str(), account);
  }
  if (junit) {
    std::ostringstream text;
    write_gate_junit(text, result, info, attention);
    *junit << vectors::add_vectors_junit(text.str(), account);
  }
  const std::size_t skipped = account.skipped.size();
  if (result.kernels.empty() && !attention) {
    std::cout << "vectors FAILED: nothing checked, the framework skipped every case\n";
    return 1;
  }
  if (fail_on_skip && skipped > 0) {
    std::cout << "vectors FAILED: " << skipped << " cases skipped (--fail-on-skip)\n";
    return 1;
  }
  return result.ok() && (!attention || attention->ok()) ? 0 : 1;
}

nlohmann::json vectors_extra(const vectors::VectorsAccount& account, bool fail_on_skip) {
  return {{"vectors", vectors::account_json(account)}, {"fail_on_skip", fail_on_skip}};
}

VectorsExtra vectors_extra_from(const nlohmann::json& extra) {
  if (!extra.is_object() || !extra.contains("vectors") || !extra.contains("fail_on_skip") ||
      !extra["fail_on_skip"].is_boolean())
    throw std::runtime_error("malformed vectors part");
  return {vectors::account_from_json(extra["vectors"]), extra["fail_on_skip"].get<bool>()};
}

}  // namespace softcheck::cli
