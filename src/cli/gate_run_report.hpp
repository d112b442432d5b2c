// What `softcheck gate` prints and writes once its run is done, whole or joined from its
// shards by `softcheck merge`: the reproducers and tables on stdout, and the JSON, JUnit and
// Markdown files asked for.
#pragma once

#include <ostream>

#include "checks/attention_gate.hpp"
#include "checks/gate.hpp"
#include "report/gate_report.hpp"

namespace softcheck::cli {

struct GateReportFiles {
  std::ostream* json = nullptr;  // null: not asked for
  std::ostream* junit = nullptr;
  std::ostream* markdown = nullptr;
};

// The Markdown report: the row kernels' table (or the line naming the run) and the attention
// kernels'.
void write_run_markdown(std::ostream& out, const GateResult& result,
                        const AttentionGateResult* attention, const RunInfo& info);

// Prints and writes everything; returns the exit code: 0 when every verdict is a pass or an
// expected failure, else 1.
int report_gate_run(const GateResult& result, const AttentionGateResult* attention,
                    const RunInfo& info, const GateReportFiles& files);

}  // namespace softcheck::cli
