// softcheck exhaustive: the exhaustive sweep of a 16-bit format (checks/exhaustive.hpp), one
// shard file at a time into a directory, resuming from the shards already there.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <thread>

#include "adapters/adapters.hpp"
#include "adapters/vectors_hash.hpp"
#include "checks/exhaustive.hpp"
#include "checks/shard_plan.hpp"
#include "cli/command_support.hpp"
#include "cli/commands.hpp"
#include "report/exhaustive_report.hpp"
#include "report/gate_shard.hpp"

namespace softcheck::cli {
namespace {

namespace fs = std::filesystem;

struct ExhaustiveCommandOptions {
  std::string format = "bf16";
  std::vector<std::string> globs;
  std::string dir;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::size_t max_shards = std::numeric_limits<std::size_t>::max();  // default: no limit
  double max_seconds = 0;      // 0: no limit
  bool quiet = false;
  unsigned timeout_ms = 10000;
  std::string shard;  // --shard K/N: this process's share of the pending shards
};

// The plan: the format, the order rows are met in, every kernel's name and contracts, and
// softcheck's version number (not its commit, so that a sweep resumes across commits; each
// shard names its own commit).
std::string exhaustive_plan(Format format, const std::vector<const Kernel*>& kernels,
                            const ContractSet& contracts) {
  std::string version = SOFTCHECK_VERSION;
  version = version.substr(0, version.find(' '));
  nlohmann::json described = {{"version", version}, {"format", std::string(name(format))},
                               {"row_order", std::string(kExhaustiveRowOrder)}};
  for (const Kernel* k : kernels)
    described["kernels"].push_back({k->name(), exact_contract_json(contracts.resolve(k->name()))});
  const std::string text = described.dump();
  return vectors::text_hash(text);
}

fs::path shard_path(const std::string& dir, Format format, std::size_t index) {
  return fs::path(dir) / (std::string(name(format)) + "-" + exhaustive_shard_name(index) + ".json");
}

// The singles first (a minute's work that checks the setup), then the pairs in order.
std::vector<std::size_t> shard_order() {
  std::vector<std::size_t> order{kSinglesShard};
  for (std::size_t i = 0; i < kPairShards; ++i) order.push_back(i);
  return order;
}

// Who wrote the shards: each distinct (version, command) with its number of shards.
std::string shard_writers(const std::vector<StoredExhaustiveShard>& shards) {
  std::map<std::pair<std::string, std::string>, std::size_t> writers;
  for (const StoredExhaustiveShard& s : shards) ++writers[{s.header.version, s.header.command}];
  std::string text = "The shards were written by";
  for (const auto& [writer, count] : writers)
    text += " `" + writer.second + "` (softcheck " + writer.first + ", " + std::to_string(count) +
            " shards);";
  return text;
}

int run_exhaustive_command(const ExhaustiveCommandOptions& options, const Context& context) {
  const auto format = parse_format(options.format);
  if (!format || (*format != Format::bf16 && *format != Format::f16))
    throw UsageError("--format '" + options.format + "': the sweep covers bf16 or f16");
  const IsolationOptions isolation{std::chrono::milliseconds(options.timeout_ms)};
  register_all_kernels(Registry::instance(), isolation);
  if (options.globs.empty()) throw UsageError("name the kernels to sweep with --kernel GLOB");
  const std::vector<const Kernel*> kernels = select_kernels(options.globs, false);
  for (const Kernel* k : kernels)
    if (k->format != *format)
      throw UsageError("kernel '" + k->name() + "' is not a " + options.format + " kernel");
  const ContractSet contracts = ContractSet::builtin();
  const std::string plan = exhaustive_plan(*format, kernels, contracts);
  std::error_code error;
  fs::create_directories(options.dir, error);
  if (error) throw UsageError("cannot create --out '" + options.dir + "': " + error.message());
  std::vector<bool> expect_fail;
  for (const Kernel* k : kernels) expect_fail.push_back(contracts.resolve(k->name()).expect_fail);

  std::optional<ShardSpec> share;
  if (!options.shard.empty()) {
    share = parse_shard(options.shard);
    if (!share) throw UsageError("--shard '" + options.shard + "' is not K/N with 1 <= K <= N");
  }
  std::vector<StoredExhaustiveShard> done;
  std::vector<std::size_t> pending;
  const std::vector<std::size_t> order = shard_order();
  for (std::size_t position = 0; position < order.size(); ++position) {
    const std::size_t index = order[position];
    const fs::path path = shard_path(options.dir, *format, index);
    if (!fs::exists(path)) {
      if (!share || position % share->count == share->index) pending.push_back(index);
      continue;
    }
    StoredExhaustiveShard stored;
    try {
      stored = read_exhaustive_shard(path.string());
    } catch (const ShardFileError& e) {
      throw UsageError(e.what());
    }
    if (stored.header.plan != plan)
      throw UsageError(path.string() + " is a shard of another sweep (plan " + stored.header.plan +
                       ", this one " + plan +
                       "): another format, row order, kernel list, contract or version");
    done.push_back(std::move(stored));
  }

  const auto start = std::chrono::steady_clock::now();
  std::size_t ran = 0;
  for (std::size_t index : pending) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (ran >= options.max_shards ||
        (options.max_seconds > 0 && elapsed >= options.max_seconds))
      break;
    if (!options.quiet)
      std::cerr << "exhaustive: " << options.format << " " << exhaustive_shard_name(index) << " ("
                << done.size() + 1 << "/" << kPairShards + 1 << " shards)\n";
    ExhaustiveOptions sweep;
    sweep.format = *format;
    sweep.threads = options.threads;
    StoredExhaustiveShard stored{{SOFTCHECK_VERSION, context.command_line, plan},
                                 run_exhaustive_shard(index, kernels, contracts, sweep),
                                 expect_fail};
    const fs::path path = shard_path(options.dir, *format, index);
    const fs::path partial = path.string() + ".partial";
    {
      std::ofstream out(partial);
      write_exhaustive_shard(out, stored.header, stored.shard, expect_fail);
      if (!out) throw UsageError("cannot write " + partial.string());
    }
    fs::rename(partial, path);  // a shard file is whole or absent
    if (!options.quiet)
      std::cerr << "exhaustive: " << exhaustive_shard_name(index) << " done in " << std::fixed
                << std::setprecision(1) << stored.shard.seconds << " s ("
                << stored.shard.cpu_seconds.value_or(0.0) << " s of CPU time)\n";
    done.push_back(std::move(stored));
    ++ran;
  }

  const ExhaustiveSummary summary = summarize_exhaustive(done);
  const SummaryProvenance provenance{context.command_line, SOFTCHECK_VERSION, shard_writers(done)};
  const std::string stem = (fs::path(options.dir) / std::string(name(*format))).string();
  {
    std::ofstream markdown(stem + "-summary.md");
    write_exhaustive_markdown(markdown, summary, provenance);
    std::ofstream hardest(stem + "-hardest.json");
    write_hardest_cases(hardest, summary, provenance);
  }
  bool failed = false;
  std::cout << "exhaustive " << options.format << ": " << done.size() << " of " << kPairShards + 1
            << " shards, " << summary.rows << " rows; summary " << stem << "-summary.md\n";
  for (std::size_t k = 0; k < summary.kernels.size(); ++k) {
    const std::size_t violations = summary.kernels[k].result.violations();
    std::cout << "  " << summary.kernels[k].kernel << ": " << summary.kernels[k].rows << " rows, "
              << violations << " violations" << (expect_fail[k] ? " (expected to fail)" : "") << "\n";
    failed |= violations > 0 && !expect_fail[k];
  }
  return failed ? 1 : 0;
}

}  // namespace

void add_exhaustive_command(CLI::App& app, Action& run, const Context& context) {
  auto options = std::make_shared<ExhaustiveCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "exhaustive",
      "Check kernels on every pair (n = 2) and every single value of a 16-bit format, one shard "
      "file at a time, resuming from the shards already written");
  command->add_option("--format", options->format, "bf16 or f16 (default bf16)");
  command->add_option("--kernel", options->globs, "kernel name glob (repeatable; required)");
  command->add_option("--out", options->dir, "directory of the shard files and the summary")
      ->required();
  command->add_option("--threads", options->threads, "threads (default: every core)")
      ->check(CLI::Range(1u, 256u));
  command->add_option("--max-shards", options->max_shards,
                      "run at most this many pending shards (0: none, only summarise), then "
                      "summarise");
  command->add_option("--max-seconds", options->max_seconds,
                      "start no shard after this many seconds, then summarise");
  command->add_option("--timeout-ms", options->timeout_ms,
                      "time limit per call of an isolated (library) kernel, in ms (default 10000)")
      ->check(CLI::Range(1u, 3600000u));
  command->add_option("--shard", options->shard,
                      "run only the pending shards at positions K, K + N, ... (K/N) of the "
                      "sweep's order (singles, pairs-0x00, pairs-0x01, ...): N processes, on one "
                      "machine or several sharing the directory, split the sweep");
  command->add_flag("--quiet", options->quiet, "no progress lines on stderr");
  command->callback([&run, options, &context] {
    run = [options, &context] { return run_exhaustive_command(*options, context); };
  });
}

}  // namespace softcheck::cli
