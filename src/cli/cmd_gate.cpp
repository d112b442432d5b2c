#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

#include "adapters/adapters.hpp"
#include "adapters/plugin_loader.hpp"
#include "checks/attention_gate.hpp"
#include "checks/gate.hpp"
#include "cli/command_support.hpp"
#include "cli/commands.hpp"
#include "cli/gate_run_report.hpp"
#include "cli/shard_run.hpp"
#include "report/attention_report.hpp"
#include "report/gate_report.hpp"

namespace softcheck::cli {
namespace {

struct GateCommandOptions {
  std::vector<std::string> globs;
  std::string suite = "default";
  std::uint64_t seed = 1;
  std::vector<std::string> contract_files;
  std::string json_path, junit_path, markdown_path;
  bool strict = false;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  bool quiet = false;
  bool mpfr_only = false;
  bool run_twice = false;                 // --run-twice: the deterministic check
  std::vector<std::string> plugin_paths;  // --plugin: shared libraries to load (plugin.h)
  unsigned timeout_ms = 10000;            // --timeout-ms: per call of an isolated kernel
  std::string family_glob = "*";          // --family: attention families to run
  std::string shard;                      // --shard K/N
};

// One shard of the run (cli/shard_run.hpp): its parts into the shard file at options.json_path.
int run_gate_shard(const GateCommandOptions& options, const Context& context, ShardJob job) {
  if (options.json_path.empty())
    throw UsageError("a shard writes its share of the run with --json FILE, for softcheck merge");
  if (!options.junit_path.empty() || !options.markdown_path.empty())
    throw UsageError("--junit and --markdown describe the whole run: give them to softcheck merge");
  std::ofstream json = open_output(options.json_path);
  job.plan = {"gate", job.gate.suite, job.gate.seed, job.gate.shard.count,
              job.gate.reproducers_per_check, job.gate.run_twice, job.gate.probe_calls,
              job.attention_kernels.empty() ? "" : options.family_glob, ""};
  job.command_line = context.command_line;
  ShardOutcome shard;
  {
    const StderrProgress progress(options.quiet);
    job.gate.progress = job.attention.progress = progress.callback();
    shard = run_shard(job);
  }
  return finish_shard(json, shard);
}

int run_gate_command(const GateCommandOptions& options, const Context& context) {
  const auto suite = parse_suite(options.suite);
  if (!suite && options.suite == "exhaustive")
    throw UsageError("the exhaustive suite (every pair of a 16-bit format) runs with softcheck "
                     "exhaustive, shard by shard (docs/scale-out.md)");
  if (!suite) throw UsageError("unknown suite '" + options.suite + "' (expected quick, default or deep)");
  ContractSet contracts = options.strict ? ContractSet::strict() : ContractSet::builtin();
  for (const std::string& path : options.contract_files) contracts.add_file(path);
  const IsolationOptions isolation{std::chrono::milliseconds(options.timeout_ms)};
  register_all_kernels(Registry::instance(), isolation);
  for (const std::string& path : options.plugin_paths)
    load_plugin(path, Registry::instance(), isolation);
  // No --kernel: every kernel, or with --plugin only the plugins' kernels.
  const bool plugins_only = !options.plugin_paths.empty();
  const auto kernels = select_kernels(options.globs, plugins_only, true);
  const auto attention_kernels = select_attention_kernels(options.globs, plugins_only);
  GateOptions gate;
  gate.suite = *suite;
  gate.seed = options.seed;
  gate.threads = options.threads;
  gate.mpfr_only = options.mpfr_only;
  gate.run_twice = options.run_twice;
  gate.probe_limit = std::chrono::milliseconds(options.timeout_ms);
  const std::optional<ShardSpec> shard = resolve_shard(options.shard);
  if (shard) gate.shard = *shard;
  if (!attention_kernels.empty()) {
    bool any = false;
    for (const AttentionFamily* f : attention_families_in(*suite)) any |= glob_match(options.family_glob, f->name);
    if (!any)
      throw UsageError("no attention family of the " + options.suite + " suite matches '" +
                       options.family_glob + "' (docs/attention.md lists them)");
  }
  AttentionGateOptions attention;
  attention.suite = *suite;
  attention.seed = options.seed;
  attention.threads = options.threads;
  attention.fast_path = !options.mpfr_only;
  attention.family_glob = options.family_glob;
  if (shard)
    return run_gate_shard(options, context,
                          {kernels, attention_kernels, &contracts, gate, attention, {}, {}});
  // Every output file is opened before the (possibly long) run, so a bad path fails fast.
  std::ofstream json = open_output(options.json_path);
  std::ofstream junit = open_output(options.junit_path);
  std::ofstream markdown = open_output(options.markdown_path);
  GateResult result;
  result.seed = options.seed;
  result.suite = *suite;
  std::optional<AttentionGateResult> attention_result;
  {
    const StderrProgress progress(options.quiet);
    gate.progress = attention.progress = progress.callback();
    if (!kernels.empty()) result = run_gate(kernels, contracts, gate);
    if (!attention_kernels.empty()) attention_result = run_attention_gate(attention_kernels, attention);
  }

  const RunInfo info{context.command_line, SOFTCHECK_VERSION};
  return report_gate_run(result, attention_result ? &*attention_result : nullptr, info,
                         {json.is_open() ? &json : nullptr, junit.is_open() ? &junit : nullptr,
                          markdown.is_open() ? &markdown : nullptr});
}

}  // namespace

void add_gate_command(CLI::App& app, Action& run, const Context& context) {
  auto options = std::make_shared<GateCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "gate", "Check kernels against correctly rounded references under their contracts");
  command->add_option("--kernel", options->globs,
                      "kernel name glob (repeatable; default: all, or with --plugin the plugins' kernels)");
  command->add_option("--suite", options->suite, "quick, default or deep");
  command->add_option("--seed", options->seed, "base seed of the input families (default 1)");
  command->add_option("--contract", options->contract_files,
                      "JSON contract file layered over the defaults (repeatable)");
  command->add_option("--json", options->json_path, "write the full result as JSON");
  command->add_option("--junit", options->junit_path, "write JUnit XML");
  command->add_option("--markdown", options->markdown_path, "write the results table as Markdown");
  command->add_flag("--strict", options->strict,
                    "ignore the properties providers declare (contracts/providers/): hold every "
                    "kernel to the strict defaults");
  command->add_option("--threads", options->threads, "threads for the reference stage")
      ->check(CLI::Range(1u, 256u));
  command->add_flag("--quiet", options->quiet, "no progress lines on stderr");
  command->add_flag("--mpfr-only", options->mpfr_only,
                    "compute every reference in MPFR, without the double-double fast paths "
                    "(same results, slower)");
  command->add_flag("--run-twice", options->run_twice,
                    "call every row kernel twice on every batch and require bit-identical "
                    "outputs (the deterministic check; for multi-threaded kernels)");
  command->add_option("--plugin", options->plugin_paths,
                      "load kernels from a plugin library (include/softcheck/plugin.h; repeatable)");
  command->add_option("--family", options->family_glob,
                      "attention kernels: only the attention families matching this glob "
                      "(docs/attention.md; default: every family of the suite)");
  command->add_option("--shard", options->shard,
                      "run shard K of N (K/N, 1 <= K <= N) and write its share with --json, for "
                      "softcheck merge (docs/scale-out.md); without it, Bazel's and GoogleTest's "
                      "shard variables are honoured");
  command->add_option("--timeout-ms", options->timeout_ms,
                      "time limit per call of an isolated (adapter or plugin) kernel, and of each "
                      "zero-size call of any kernel, in ms (default 10000)")
      ->check(CLI::Range(1u, 3600000u));
  command->callback([&run, options, &context] {
    run = [options, &context] { return run_gate_command(*options, context); };
  });
}

}  // namespace softcheck::cli
