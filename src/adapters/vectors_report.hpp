// What `vectors check` adds to the gate's reports: how many cases of each vector kernel were
// checked and which the framework skipped (with its reasons). Skipped cases are never passes:
// the text summary lists them, the JSON gets a "vectors" section and per-kernel "cases", and
// the JUnit XML gets one <skipped/> test case per skipped case. The account is plain data, so
// a shard of a sharded check stores it and `softcheck merge` adds the shards' up.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "adapters/vectors_kernel.hpp"

namespace softcheck::vectors {

struct SkippedCase {
  std::string id;
  std::string kernel;
  std::string reason;
};

// A vector set's cases after a check (of the whole set, or of one shard's share).
struct VectorsAccount {
  std::string dir;
  std::string provider;
  std::vector<KernelCases> kernels;  // VectorSet::summary()
  std::vector<SkippedCase> skipped;  // in manifest order
  std::size_t not_exported = 0;      // empty batches the export left out
};
VectorsAccount account_of(const VectorSet& set, const std::string& dir);

// The account as a shard stores it, and back (throws std::runtime_error naming the field).
nlohmann::json account_json(const VectorsAccount& account);
VectorsAccount account_from_json(const nlohmann::json& value);
// Adds a later shard's checked cases to `total` (the shards of one check share the rest).
void add_checked(VectorsAccount& total, const VectorsAccount& shard);

// "vectors: N cases in DIR: C checked, S skipped by the framework" and one line per
// (kernel, reason) of the skipped cases.
void print_vectors_summary(std::ostream& out, const VectorsAccount& account);

// The gate's JSON document (write_gate_json's text) with the vector-file accounting added.
std::string add_vectors_json(const std::string& gate_json, const VectorsAccount& account);

// The gate's JUnit XML (write_gate_junit's text) with a test suite of skipped cases added.
std::string add_vectors_junit(const std::string& gate_junit, const VectorsAccount& account);

}  // namespace softcheck::vectors
