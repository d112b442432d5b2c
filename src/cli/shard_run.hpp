// What `softcheck gate` and `softcheck vectors check` share when they run one shard of a run
// (checks/shard_plan.hpp): which shard, the plan's hash, and the shard's file and exit code.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "checks/attention_gate.hpp"
#include "checks/contract.hpp"
#include "checks/gate.hpp"
#include "report/gate_shard.hpp"

namespace softcheck::cli {

// The shard this process runs: `flag` ("K/N", --shard) when given; else Bazel's test sharding
// (TEST_TOTAL_SHARDS, TEST_SHARD_INDEX from 0, and TEST_SHARD_STATUS_FILE touched to say the
// test shards); else GoogleTest's (GTEST_TOTAL_SHARDS, GTEST_SHARD_INDEX); else nothing: an
// unsharded run. A shard, even 1/1, writes a shard file. Throws UsageError for a malformed
// value, naming it.
std::optional<ShardSpec> resolve_shard(const std::string& flag);

// Everything beside the kernels and their contracts that decides what a run checks.
struct RunPlan {
  std::string command;  // "gate" or "vectors check"
  Suite suite = Suite::standard;
  std::uint64_t seed = 1;
  std::size_t shard_count = 1;
  std::size_t reproducers_per_check = 3;
  bool run_twice = false;
  bool probe_calls = true;
  std::string family_glob;  // the attention families
  std::string inputs;       // what else the run reads (a vector set's manifest), hashed; or ""
};

// "fnv1a64:..." over softcheck's version, the plan, each kernel's name, contract and strict
// contract, and the attention kernels' names: shards agree on it exactly when they divide the
// same run.
std::string plan_hash(const RunPlan& plan, const std::vector<const Kernel*>& kernels,
                      const ContractSet& contracts,
                      const std::vector<const AttentionKernel*>& attention);

// One shard's work: the row kernels with gate.shard set, and the attention kernels, which run
// whole in one shard (they are not divided by units): the lightest of the row kernels' plan,
// shard 0 without row kernels.
struct ShardJob {
  std::vector<const Kernel*> kernels;
  std::vector<const AttentionKernel*> attention_kernels;
  const ContractSet* contracts = nullptr;
  GateOptions gate;                // progress set by the caller
  AttentionGateOptions attention;  // progress set by the caller
  RunPlan plan;
  std::string command_line;
};

struct ShardOutcome {
  ShardHeader header;
  GateParts rows;
  std::optional<AttentionGateResult> attention;
};
ShardOutcome run_shard(const ShardJob& job);

// A shard's end: writes its file to `json`, prints its share of the results (verdicts of this
// share only; the bias check is left to the merge), and returns its exit code: 1 when a
// kernel expected to pass has a violation here (the merged run fails too), else 0.
int finish_shard(std::ostream& json, const ShardOutcome& shard);

}  // namespace softcheck::cli
