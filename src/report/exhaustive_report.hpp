// The exhaustive sweep's files (checks/exhaustive.hpp): one small JSON file per shard, with
// every number exact, so that a sweep that stops resumes from the shards already written (and
// committed), and the summary of every shard present: per-shard row counts and times, per
// kernel the counts of every check, and the hardest cases over the whole sweep.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "checks/exhaustive.hpp"

namespace softcheck {

inline constexpr char kExhaustiveShardDocument[] = "softcheck-exhaustive-shard";

struct ExhaustiveHeader {
  std::string version;  // softcheck's
  std::string command;  // the command line that wrote the shard
  std::string plan;     // hash of the format, the kernels and their contracts, and the version
};

struct StoredExhaustiveShard {
  ExhaustiveHeader header;
  ExhaustiveShard shard;
  std::vector<bool> expect_fail;  // per kernel: its contract expects violations
};

void write_exhaustive_shard(std::ostream& out, const ExhaustiveHeader& header,
                            const ExhaustiveShard& shard, const std::vector<bool>& expect_fail);
// Throws ShardFileError (report/gate_shard.hpp) naming the file and the problem.
StoredExhaustiveShard read_exhaustive_shard(const std::string& path);

struct ExhaustiveSummary {
  Format format = Format::bf16;
  std::vector<const ExhaustiveShard*> shards;  // in shard order
  std::vector<ExhaustiveKernel> kernels;       // summed over the shards
  std::vector<bool> expect_fail;
  std::vector<HardCase> hardest;               // per output kind, the kHardestPerShard closest
  std::size_t rows = 0;                        // logit rows over the shards
  double seconds = 0.0;                        // summed over the shards
  double cpu_seconds = 0.0;                    // summed over the shards that record it
  std::size_t cpu_timed_shards = 0;
};
ExhaustiveSummary summarize_exhaustive(const std::vector<StoredExhaustiveShard>& shards);

// Who made a summary (the command and version that summarised) and who wrote its shards.
struct SummaryProvenance {
  std::string command;
  std::string version;
  std::string shard_writers;  // one sentence
};

// The summary as Markdown, how complete the sweep is in its first paragraph.
void write_exhaustive_markdown(std::ostream& out, const ExhaustiveSummary& summary,
                               const SummaryProvenance& provenance);
// The hardest cases as JSON, each with its row's bit patterns, exact value and distance.
void write_hardest_cases(std::ostream& out, const ExhaustiveSummary& summary,
                         const SummaryProvenance& provenance);

}  // namespace softcheck
