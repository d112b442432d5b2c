// Writers for the attention gate (checks/attention_gate.hpp): the console table and
// reproducers, a Markdown section, and the "attention" part of the gate's JSON document.
#pragma once

#include <nlohmann/json.hpp>
#include <functional>
#include <ostream>
#include <string>

#include "checks/attention_gate.hpp"
#include "report/gate_report.hpp"

namespace softcheck {

// The command printed to replay a violation; by default the gate command with its kernel,
// suite, seed and family (replay_command in checks/attention_gate.hpp).
using AttentionReplay = std::function<std::string(const AttentionViolation&)>;
void print_attention_reproducers(std::ostream& out, const AttentionGateResult& result,
                                 const AttentionReplay& replay = {});
void print_attention_table(std::ostream& out, const AttentionGateResult& result);
void write_attention_markdown(std::ostream& out, const AttentionGateResult& result);
nlohmann::json attention_json(const AttentionGateResult& result);
// JUnit: one test suite per attention kernel, one test case per check (the gate's writer
// calls these to add them to its document).
struct JunitCounts {
  std::size_t tests = 0;
  std::size_t failures = 0;
};
JunitCounts attention_junit_counts(const AttentionGateResult& result);
void write_attention_junit_suites(std::ostream& out, const AttentionGateResult& result,
                                  const RunInfo& info);

}  // namespace softcheck
