// Writers for a gate result: the console table and reproducers, JSON, and JUnit XML.
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "checks/attention_gate.hpp"
#include "checks/gate.hpp"

namespace softcheck {

struct RunInfo {
  std::string command;  // the command line that produced the result
  std::string version;  // softcheck version
};

void print_gate_table(std::ostream& out, const GateResult& result);
void write_gate_markdown(std::ostream& out, const GateResult& result, const RunInfo& info);

// One cell of the results table: the worst error of a check and "xN" violations, "-" if the
// check did not apply.
std::string table_cell(const KernelResult& kernel, Check check);
// The declared properties a kernel relied on, e.g. "subnormal: 12 (flush_subnormals)"; empty
// when none.
std::string declared_summary(const KernelResult& kernel);
// Where in its family a violation lies, "batch 2 row 5 out[3]"; empty for the bias check,
// whose measurement is the whole family's.
std::string violation_site(const Violation& violation);
// The command that replays one violation; by default the gate command with its kernel,
// suite and seed.
using ReplayCommand = std::function<std::string(const Violation&)>;
std::string gate_replay(const GateResult& result, const Violation& violation);
void print_reproducers(std::ostream& out, const GateResult& result, ReplayCommand replay = {});
// With `attention`, the document gets an "attention" part (report/attention_report.hpp).
void write_gate_json(std::ostream& out, const GateResult& result, const RunInfo& info,
                     const AttentionGateResult* attention = nullptr);
void write_gate_junit(std::ostream& out, const GateResult& result, const RunInfo& info,
                      const AttentionGateResult* attention = nullptr);

// "decimal hexfloat" with the shortest decimal that round-trips in `format`'s value as a
// double; nan/inf print as "nan nan", "inf inf", "-inf -inf".
std::string decimal_and_hex(double value);

}  // namespace softcheck
