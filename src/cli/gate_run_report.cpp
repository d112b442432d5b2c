// The reports of a gate run: see gate_run_report.hpp.
#include "cli/gate_run_report.hpp"

#include <iostream>

#include "report/attention_report.hpp"

namespace softcheck::cli {

void write_run_markdown(std::ostream& out, const GateResult& result,
                        const AttentionGateResult* attention, const RunInfo& info) {
  if (!result.kernels.empty())
    write_gate_markdown(out, result, info);
  else
    out << "Produced by `" << info.command << "` (softcheck " << info.version << ", suite "
        << name(result.suite) << ", seed " << result.seed << ").\n";
  if (attention) write_attention_markdown(out, *attention);
}

int report_gate_run(const GateResult& result, const AttentionGateResult* attention,
                    const RunInfo& info, const GateReportFiles& files) {
  if (!result.kernels.empty()) {
    print_reproducers(std::cout, result);
    print_gate_table(std::cout, result);
  }
  if (attention) {
    print_attention_reproducers(std::cout, *attention);
    print_attention_table(std::cout, *attention);
  }
  if (files.json) write_gate_json(*files.json, result, info, attention);
  if (files.junit) write_gate_junit(*files.junit, result, info, attention);
  if (files.markdown) write_run_markdown(*files.markdown, result, attention, info);
  return result.ok() && (!attention || attention->ok()) ? 0 : 1;
}

}  // namespace softcheck::cli
