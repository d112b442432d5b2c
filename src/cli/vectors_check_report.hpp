// What `softcheck vectors check` prints and writes once its gate has run, whole or joined
// from its shards by `softcheck merge`: the reproducers with the check's replay command, the
// tables, the account of the cases, and JSON and JUnit with the accounting added.
#pragma once

#include <ostream>

#include "adapters/vectors_report.hpp"
#include "checks/attention_gate.hpp"
#include "checks/gate.hpp"
#include "report/gate_report.hpp"

namespace softcheck::cli {

// json and junit: null for none. Returns the exit code: 1 when nothing was checked (the
// framework skipped every case), when cases were skipped under fail_on_skip, or on a
// violation; else 0.
int report_vectors_check(const GateResult& result, const AttentionGateResult* attention,
                         const vectors::VectorsAccount& account, bool fail_on_skip,
                         const RunInfo& info, std::ostream* json, std::ostream* junit);

// The account and the fail_on_skip choice as a shard file's "extra", and back.
nlohmann::json vectors_extra(const vectors::VectorsAccount& account, bool fail_on_skip);
struct VectorsExtra {
  vectors::VectorsAccount account;
  bool fail_on_skip = false;
};
VectorsExtra vectors_extra_from(const nlohmann::json& extra);

}  // namespace softcheck::cli
