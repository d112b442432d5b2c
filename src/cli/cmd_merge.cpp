// softcheck merge: the shards of one sharded run (`softcheck gate --shard K/N --json FILE`)
// joined into the run's result, written as the unsharded run writes it.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <optional>

#include "checks/gate_merge.hpp"
#include "cli/command_support.hpp"
#include "cli/commands.hpp"
#include "cli/gate_run_report.hpp"
#include "cli/vectors_check_report.hpp"
#include "report/attention_report.hpp"
#include "report/gate_report.hpp"
#include "report/gate_shard.hpp"

namespace softcheck::cli {
namespace {

struct MergeCommandOptions {
  std::vector<std::string> shard_paths;
  std::string json_path, junit_path, markdown_path;
};

// Every shard of one plan, each once: throws UsageError naming the file from another plan, the
// shard given twice, or the shards missing.
void check_complete(const std::vector<GateShard>& shards, const std::vector<std::string>& paths) {
  const ShardHeader& first = shards.front().header;
  std::vector<std::optional<std::size_t>> seen(first.shard.count);
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const ShardHeader& h = shards[i].header;
    if (h.plan != first.plan || h.shard.count != first.shard.count)
      throw UsageError(paths[i] + " is shard " + shard_text(h.shard) + " of plan " + h.plan +
                       ", not of " + paths.front() + "'s plan " + first.plan +
                       " (another suite, seed, kernel list, contract, shard count or version)");
    if (seen[h.shard.index])
      throw UsageError("shard " + shard_text(h.shard) + " given twice: " + paths[*seen[h.shard.index]] +
                       " and " + paths[i]);
    seen[h.shard.index] = i;
  }
  std::string missing;
  for (std::size_t s = 0; s < seen.size(); ++s)
    if (!seen[s]) missing += (missing.empty() ? "" : ", ") + shard_text({s, seen.size()});
  if (!missing.empty()) throw UsageError("missing shard(s) " + missing + " of plan " + first.plan);
}

// The shards' parts as one run's: the reference elements of a batch computed in several
// shards count once, as in one run.
GateParts joined_parts(const std::vector<GateShard>& shards) {
  GateParts all;
  all.seed = shards.front().rows.seed;
  all.suite = shards.front().rows.suite;
  all.kernels = shards.front().rows.kernels;
  for (const GateShard& shard : shards) {
    all.parts.insert(all.parts.end(), shard.rows.parts.begin(), shard.rows.parts.end());
    for (const auto& [unit, batches] : shard.rows.batch_elements) {
      std::vector<std::size_t>& total = all.batch_elements[unit];
      total.resize(std::max(total.size(), batches.size()));
      for (std::size_t b = 0; b < batches.size(); ++b) total[b] = std::max(total[b], batches[b]);
    }
  }
  return all;
}

// The shards of a `softcheck vectors check`: their accounts added up, reported as the check
// reports.
int report_merged_vectors_check(const std::vector<GateShard>& shards, const GateResult& result,
                                const AttentionGateResult* attention, const RunInfo& info,
                                std::ostream* json, std::ostream* junit) {
  std::optional<VectorsExtra> total;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    VectorsExtra part;
    try {
      part = vectors_extra_from(shards[i].header.extra);
    } catch (const std::runtime_error& error) {
      throw UsageError("shard " + shard_text(shards[i].header.shard) + ": " + error.what());
    }
    if (!total)
      total = part;
    else
      vectors::add_checked(total->account, part.account);
  }
  return report_vectors_check(result, attention, total->account, total->fail_on_skip, info, json,
                              junit);
}

int run_merge_command(const MergeCommandOptions& options, const Context& context) {
  std::vector<GateShard> shards;
  for (const std::string& path : options.shard_paths) {
    try {
      shards.push_back(read_gate_shard(path));
    } catch (const ShardFileError& error) {
      throw UsageError(error.what());
    }
  }
  check_complete(shards, options.shard_paths);
  std::ofstream json = open_output(options.json_path);
  std::ofstream junit = open_output(options.junit_path);
  std::ofstream markdown = open_output(options.markdown_path);

  // The shard order (1..N) for the attention part and the times.
  std::sort(shards.begin(), shards.end(), [](const GateShard& a, const GateShard& b) {
    return a.header.shard.index < b.header.shard.index;
  });
  GateResult result = join_gate_parts(joined_parts(shards), shards.front().header.reproducers_per_check);
  const AttentionGateResult* attention = nullptr;
  for (const GateShard& shard : shards) {
    result.seconds += shard.header.seconds;
    if (shard.attention) attention = &*shard.attention;
  }
  const RunInfo info{context.command_line, SOFTCHECK_VERSION};
  std::ostream* json_file = json.is_open() ? &json : nullptr;
  std::ostream* junit_file = junit.is_open() ? &junit : nullptr;
  if (shards.front().header.extra.is_null())
    return report_gate_run(result, attention, info,
                           {json_file, junit_file, markdown.is_open() ? &markdown : nullptr});
  if (markdown.is_open()) write_run_markdown(markdown, result, attention, info);
  return report_merged_vectors_check(shards, result, attention, info, json_file, junit_file);
}

}  // namespace

void add_merge_command(CLI::App& app, Action& run, const Context& context) {
  auto options = std::make_shared<MergeCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "merge", "Join the shard files of a sharded gate run into the run's result");
  command->add_option("shards", options->shard_paths,
                      "every shard's file (softcheck gate --shard K/N --json FILE)")
      ->required();
  command->add_option("--json", options->json_path, "write the run's result as JSON");
  command->add_option("--junit", options->junit_path, "write JUnit XML");
  command->add_option("--markdown", options->markdown_path, "write the results table as Markdown");
  command->callback([&run, options, &context] {
    run = [options, &context] { return run_merge_command(*options, context); };
  });
}

}  // namespace softcheck::cli
