// `softcheck vectors export` and `softcheck vectors check`: the gate for frameworks that
// cannot be linked (any language, any device). export writes the input families as .npy
// files and a manifest; the framework writes its outputs next to them; check verifies the
// inputs against the suite and gates the outputs like any kernel (docs/vectors.md).
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "adapters/vectors_error.hpp"
#include "adapters/vectors_export.hpp"
#include "adapters/vectors_hash.hpp"
#include "adapters/vectors_kernel.hpp"
#include "adapters/vectors_report.hpp"
#include "checks/attention_gate.hpp"
#include "checks/gate.hpp"
#include "cli/command_support.hpp"
#include "cli/commands.hpp"
#include "cli/shard_run.hpp"
#include "cli/vectors_check_report.hpp"
#include "report/attention_report.hpp"
#include "report/gate_report.hpp"

namespace softcheck::cli {
namespace {

struct ExportCommandOptions {
  std::string dir;
  std::string suite = "default";
  std::uint64_t seed = 1;
  std::vector<std::string> ops, dtypes;
};

struct CheckCommandOptions {
  std::string dir;
  std::vector<std::string> contract_files;
  std::string json_path, junit_path, name;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  bool quiet = false;
  bool fail_on_skip = false;
  std::string shard;  // --shard K/N
};

// The hash of the set's manifest file: what a sharded check's plan covers besides the kernels.
std::string manifest_hash(const std::string& dir) {
  std::ifstream file(std::filesystem::path(dir) / vectors::kManifestFile, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return vectors::text_hash(bytes);
}

Suite suite_option(const std::string& text) {
  const auto suite = parse_suite(text);
  if (!suite) throw UsageError("unknown suite '" + text + "' (expected quick, default or deep)");
  return *suite;
}

int run_export(const ExportCommandOptions& options) {
  vectors::ExportOptions exported;
  exported.suite = suite_option(options.suite);
  exported.seed = options.seed;
  for (const std::string& text : options.ops) {
    const auto op = parse_op(text);
    if (!op) throw UsageError("unknown op '" + text + "' (expected " + op_names() + ")");
    exported.ops.push_back(*op);
  }
  for (const std::string& text : options.dtypes) {
    const auto format = parse_format(text);
    if (!format) throw UsageError("unknown dtype '" + text + "' (expected f64, f32, bf16 or f16)");
    exported.formats.push_back(*format);
  }
  const vectors::Manifest manifest = vectors::export_vectors(options.dir, exported);
  std::cout << "exported " << manifest.cases.size() << " cases (suite " << name(manifest.suite)
            << ", seed " << manifest.seed << ") to " << options.dir << "/"
            << vectors::kManifestFile;
  if (!manifest.not_exported.empty())
    std::cout << "; " << manifest.not_exported.size() << " empty batches not exported";
  std::cout << "\nnext: write each case's \"output\" (and \"loss\" or \"lse\") file, then run "
               "softcheck vectors check --dir "
            << options.dir << " (docs/vectors.md)\n";
  return 0;
}

// The row gate over the set's row kernels, only on the batches with stored outputs.
GateOptions row_gate_options(const vectors::VectorSet& set, const CheckCommandOptions& options,
                             const StderrProgress& progress) {
  GateOptions gate;
  gate.suite = set.manifest().suite;
  gate.seed = set.manifest().seed;
  gate.threads = options.threads;
  gate.progress = progress.callback();
  gate.probe_calls = false;  // the kernels replay stored outputs: there is nothing to call
  gate.include_batch = [&set](const Kernel& kernel, const std::string& family, std::size_t batch) {
    return set.includes(kernel, family, batch);
  };
  return gate;
}

// The attention gate over the set's attention kernels, only on the cases with stored outputs.
AttentionGateOptions attention_gate_options(const vectors::VectorSet& set,
                                            const CheckCommandOptions& options,
                                            const StderrProgress& progress) {
  AttentionGateOptions gate;
  gate.suite = set.manifest().suite;
  gate.seed = set.manifest().seed;
  gate.threads = options.threads;
  gate.progress = progress.callback();
  gate.include_case = [&set](const AttentionKernel& kernel, const std::string& family,
                             std::size_t index) {
    return set.includes_attention(kernel, family, index);
  };
  return gate;
}

// One shard of the check (cli/shard_run.hpp): its share into the shard file at
// options.json_path, with its account of the cases it checked.
int run_check_shard(const CheckCommandOptions& options, const Context& context,
                    const vectors::VectorSet& set, const ContractSet& contracts,
                    const ShardSpec& shard) {
  if (options.json_path.empty())
    throw UsageError("a shard writes its share of the check with --json FILE, for softcheck merge");
  if (!options.junit_path.empty())
    throw UsageError("--junit describes the whole check: give it to softcheck merge");
  std::ofstream json = open_output(options.json_path);
  ShardJob job{set.kernels(), set.attention_kernels(), &contracts, {}, {}, {}, context.command_line};
  ShardOutcome outcome;
  {
    const StderrProgress progress(options.quiet);
    job.gate = row_gate_options(set, options, progress);
    job.gate.shard = shard;
    job.attention = attention_gate_options(set, options, progress);
    job.plan = {"vectors check", job.gate.suite, job.gate.seed, shard.count,
                job.gate.reproducers_per_check, job.gate.run_twice, job.gate.probe_calls, "",
                manifest_hash(options.dir)};
    outcome = run_shard(job);
  }
  outcome.header.extra = vectors_extra(vectors::account_of(set, options.dir), options.fail_on_skip);
  return finish_shard(json, outcome);
}

int run_check(const CheckCommandOptions& options, const Context& context) {
  ContractSet contracts = ContractSet::builtin();
  for (const std::string& path : options.contract_files) contracts.add_file(path);
  const std::optional<ShardSpec> shard = resolve_shard(options.shard);
  const vectors::VectorSet set = vectors::VectorSet::open(options.dir, options.name);
  if (shard) return run_check_shard(options, context, set, contracts, *shard);
  std::ofstream json = open_output(options.json_path);
  std::ofstream junit = open_output(options.junit_path);

  const std::vector<const AttentionKernel*> attention_kernels = set.attention_kernels();
  GateResult result;
  result.suite = set.manifest().suite;
  result.seed = set.manifest().seed;
  std::optional<AttentionGateResult> attention_result;
  {
    const StderrProgress progress(options.quiet);
    if (!set.kernels().empty())
      result = run_gate(set.kernels(), contracts, row_gate_options(set, options, progress));
    if (!attention_kernels.empty())
      attention_result =
          run_attention_gate(attention_kernels, attention_gate_options(set, options, progress));
  }
  if (const auto unserved = set.unserved_cases(); !unserved.empty())
    throw std::logic_error("the gate never asked for case '" + unserved.front()->id + "'");
  const RunInfo info{context.command_line, SOFTCHECK_VERSION};
  return report_vectors_check(result, attention_result ? &*attention_result : nullptr,
                              vectors::account_of(set, options.dir), options.fail_on_skip, info,
                              json.is_open() ? &json : nullptr, junit.is_open() ? &junit : nullptr);
}

// Vector-file errors (bad manifest, bad .npy, input not matching the suite) are input errors.
template <class Fn>
int reporting_input_errors(Fn fn) {
  try {
    return fn();
  } catch (const vectors::VectorsError& error) {
    throw UsageError(error.what());
  }
}

void add_export(CLI::App& vectors, Action& run) {
  auto options = std::make_shared<ExportCommandOptions>();
  CLI::App* command = vectors.add_subcommand(
      "export", "Write the input families as .npy files and a manifest for a framework to run");
  command->add_option("--dir", options->dir, "directory to write (created; empty or an earlier export)")
      ->required();
  command->add_option("--suite", options->suite, "quick, default or deep");
  command->add_option("--seed", options->seed, "base seed of the input families (default 1)");
  command->add_option("--op", options->ops,
                      "op to export (repeatable; default: every op vector files carry)");
  command->add_option("--dtype", options->dtypes, "dtype to export (repeatable; default: all four)");
  command->callback([&run, options] {
    run = [options] { return reporting_input_errors([&] { return run_export(*options); }); };
  });
}

void add_check(CLI::App& vectors, Action& run, const Context& context) {
  auto options = std::make_shared<CheckCommandOptions>();
  CLI::App* command = vectors.add_subcommand(
      "check", "Gate the outputs a framework wrote for exported vector files");
  command->add_option("--dir", options->dir, "directory of an export with the framework's outputs")
      ->required();
  command->add_option("--contract", options->contract_files,
                      "JSON contract file layered over the defaults (repeatable)");
  command->add_option("--json", options->json_path, "write the full result as JSON");
  command->add_option("--junit", options->junit_path, "write JUnit XML");
  command->add_option("--name", options->name,
                      "provider name: kernels are vectors:NAME/... (default: the manifest's "
                      "\"name\", else the directory's name)");
  command->add_option("--threads", options->threads, "threads for the reference stage")
      ->check(CLI::Range(1u, 256u));
  command->add_flag("--quiet", options->quiet, "no progress lines on stderr");
  command->add_flag("--fail-on-skip", options->fail_on_skip,
                    "exit 1 when the framework skipped any case");
  command->add_option("--shard", options->shard,
                      "check shard K of N (K/N) and write its share with --json, for softcheck "
                      "merge (docs/scale-out.md); without it, Bazel's and GoogleTest's shard "
                      "variables are honoured");
  command->callback([&run, options, &context] {
    run = [options, &context] {
      return reporting_input_errors([&] { return run_check(*options, context); });
    };
  });
}

}  // namespace

void add_vectors_command(CLI::App& app, Action& run, const Context& context) {
  CLI::App* vectors = app.add_subcommand(
      "vectors", "Export input families as .npy files / check a framework's outputs for them");
  vectors->require_subcommand(1);
  add_export(*vectors, run);
  add_check(*vectors, run, context);
}

}  // namespace softcheck::cli
