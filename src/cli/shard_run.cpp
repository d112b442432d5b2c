// A shard of a gate run: see shard_run.hpp.
#include "cli/shard_run.hpp"

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>

#include "adapters/vectors_hash.hpp"
#include "checks/gate_merge.hpp"
#include "cli/commands.hpp"
#include "report/attention_report.hpp"
#include "report/gate_report.hpp"

namespace softcheck::cli {
namespace {

std::size_t environment_count(const char* variable) {
  const char* text = std::getenv(variable);
  std::size_t value = 0;
  const std::string_view s = text ? text : "";
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || error != std::errc() || end != s.data() + s.size())
    throw UsageError(std::string(variable) + "='" + std::string(s) + "' is not a whole number");
  return value;
}

// The shard a test runner's pair of variables names (index from 0), if the total is set.
std::optional<ShardSpec> environment_shard(const char* total, const char* index) {
  if (!std::getenv(total)) return std::nullopt;
  const std::size_t count = environment_count(total);
  if (!std::getenv(index)) throw UsageError(std::string(total) + " is set but " + index + " is not");
  const std::size_t i = environment_count(index);
  if (count < 1 || i >= count)
    throw UsageError(std::string(index) + "=" + std::to_string(i) + " is not below " + total +
                     "=" + std::to_string(count));
  return ShardSpec{i, count};
}

}  // namespace

std::optional<ShardSpec> resolve_shard(const std::string& flag) {
  if (!flag.empty()) {
    const auto shard = parse_shard(flag);
    if (!shard) throw UsageError("--shard '" + flag + "' is not K/N with 1 <= K <= N");
    return *shard;
  }
  if (const auto bazel = environment_shard("TEST_TOTAL_SHARDS", "TEST_SHARD_INDEX")) {
    if (const char* status = std::getenv("TEST_SHARD_STATUS_FILE"))
      std::ofstream(status, std::ios::app);  // tells Bazel the test shards
    return *bazel;
  }
  return environment_shard("GTEST_TOTAL_SHARDS", "GTEST_SHARD_INDEX");
}

std::string plan_hash(const RunPlan& plan, const std::vector<const Kernel*>& kernels,
                      const ContractSet& contracts,
                      const std::vector<const AttentionKernel*>& attention) {
  const ContractSet strict = ContractSet::strict();
  nlohmann::json described = {{"version", SOFTCHECK_VERSION},
                               {"command", plan.command},
                               {"suite", std::string(name(plan.suite))},
                               {"seed", plan.seed},
                               {"shards", plan.shard_count},
                               {"reproducers_per_check", plan.reproducers_per_check},
                               {"run_twice", plan.run_twice},
                               {"probe_calls", plan.probe_calls},
                               {"family_glob", plan.family_glob},
                               {"inputs", plan.inputs}};
  nlohmann::json list = nlohmann::json::array();
  for (const Kernel* k : kernels)
    list.push_back({k->name(), exact_contract_json(contracts.resolve(k->name())),
                    exact_contract_json(strict.resolve(k->name()))});
  described["kernels"] = list;
  nlohmann::json names = nlohmann::json::array();
  for (const AttentionKernel* k : attention) names.push_back(k->name());
  described["attention"] = names;
  const std::string text = described.dump();
  return vectors::text_hash(text);
}

ShardOutcome run_shard(const ShardJob& job) {
  const auto start = std::chrono::steady_clock::now();
  ShardOutcome out;
  out.header = {SOFTCHECK_VERSION, job.command_line,
                plan_hash(job.plan, job.kernels, *job.contracts, job.attention_kernels),
                job.gate.shard, job.gate.reproducers_per_check, 0.0, nullptr};
  out.rows.seed = job.gate.seed;
  out.rows.suite = job.gate.suite;
  // The plan, made once: the attention kernels' shard is its lightest, and the row kernels'
  // share comes from it.
  GateOptions gate = job.gate;
  std::optional<ShardPlan> plan;
  if (!job.kernels.empty() && !gate.shard.whole()) {
    plan = plan_gate(job.kernels, gate);
    gate.plan = &*plan;
  }
  const std::size_t attention_shard = plan ? plan->lightest() : 0;
  if (!job.kernels.empty()) out.rows = run_gate_parts(job.kernels, *job.contracts, gate);
  if (!job.attention_kernels.empty() && attention_shard == job.gate.shard.index)
    out.attention = run_attention_gate(job.attention_kernels, job.attention);
  out.header.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

int finish_shard(std::ostream& json, const ShardOutcome& shard) {
  const ShardHeader& header = shard.header;
  const AttentionGateResult* attention = shard.attention ? &*shard.attention : nullptr;
  write_gate_shard(json, header, shard.rows, attention);
  const GateResult share = join_gate_parts(shard.rows, header.reproducers_per_check, false);
  std::cout << "shard " << shard_text(header.shard) << " of plan " << header.plan
            << ": this shard's share of the run; softcheck merge joins the shards' files into "
               "the run's verdicts (the rounding-bias check included)\n";
  bool failed = false;
  if (!share.kernels.empty()) {
    print_reproducers(std::cout, share);
    print_gate_table(std::cout, share);
    for (const KernelResult& k : share.kernels) failed |= k.verdict == Verdict::fail;
  }
  if (attention) {
    print_attention_reproducers(std::cout, *attention);
    print_attention_table(std::cout, *attention);
    failed |= !attention->ok();
  }
  return failed ? 1 : 0;
}

}  // namespace softcheck::cli
