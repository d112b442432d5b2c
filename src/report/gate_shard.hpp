// One shard's file (`softcheck gate --shard K/N --json FILE`): the shard's unjoined parts
// (checks/gate.hpp, GateParts) and, in the shard that ran them, the attention kernels'
// results, with every number written exactly (hexadecimal floating point), so that
// `softcheck merge` joins the shards of a run into the result the unsharded run gives. The
// header names the run's plan (a hash of everything that decides what the run checks) and
// the shard's place in it; the kernels are stored by name and description, so the merge needs
// none of them loaded.
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "checks/attention_gate.hpp"
#include "checks/gate.hpp"
#include "checks/shard_plan.hpp"

namespace softcheck {

// The kind of document in the file's "document" field.
inline constexpr char kGateShardDocument[] = "softcheck-gate-shard";

struct ShardHeader {
  std::string version;  // softcheck's
  std::string command;  // the command line of the shard
  std::string plan;     // "fnv1a64:..." of the run's plan (cli/shard_option.hpp)
  ShardSpec shard;
  std::size_t reproducers_per_check = 3;
  double seconds = 0.0;
  // What a command adds to the run's reports, stored as it gives it (a vectors check's
  // account of its cases, cli/cmd_vectors.cpp); null for none.
  nlohmann::json extra;
};

struct GateShard {
  ShardHeader header;
  GateParts rows;
  std::optional<AttentionGateResult> attention;
  // What a read shard's kernel pointers point to (held apart, so that a moved shard keeps
  // them; a shard is not copied).
  std::vector<std::unique_ptr<Kernel>> kernels;
  std::vector<std::unique_ptr<AttentionKernel>> attention_kernels;
};

// A file that is not a readable shard: the message names the file and what is wrong.
class ShardFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Every field of a contract, numbers exactly: what a shard stores, and what a run's plan
// hash covers.
nlohmann::json exact_contract_json(const Contract& contract);

// A kernel's checks, declared passes, bias statistics and reproducers with every number exact,
// and back into `into` (whose kernel and contracts are set); a malformed value throws
// ShardFileError naming `path`.
nlohmann::json exact_kernel_result_json(const KernelResult& result);
void read_exact_kernel_result(const nlohmann::json& value, const std::string& path,
                              KernelResult& into);
// A double as these files write it (C's %a; "nan"), and back (ShardFileError naming `path`).
std::string exact_number_text(double value);
double exact_number_value(const nlohmann::json& value, const std::string& path);

void write_gate_shard(std::ostream& out, const ShardHeader& header, const GateParts& rows,
                      const AttentionGateResult* attention);
GateShard read_gate_shard(const std::string& path);

}  // namespace softcheck
