// softcheck collapse: where softmax collapse sets in for each cross-entropy kernel, softmax
// (cross_entropy) and StableMax (stablemax_cross_entropy) alike (checks/collapse.hpp). A
// measurement, not a gate: exit 0 unless the usage is wrong.
#include <algorithm>
#include <fstream>
#include <iostream>

#include "adapters/adapters.hpp"
#include "adapters/plugin_loader.hpp"
#include "checks/collapse.hpp"
#include "cli/command_support.hpp"
#include "cli/commands.hpp"
#include "report/collapse_report.hpp"

namespace softcheck::cli {
namespace {

// Defaults: a binary row, a 10-class head (MNIST/CIFAR-10 scale) and a 1000-class head
// (ImageNet scale): ln(n - 1) = 0, 2.2 and 6.9 apart from the formulas' p ln 2.
const std::vector<std::size_t> kDefaultClasses = {2, 10, 1000};
// Rows of more classes cost (number of gaps) x n elements per kernel; 2^20 (a large
// vocabulary) takes minutes per f64 kernel, beyond it is refused.
constexpr std::size_t kMaxClasses = std::size_t{1} << 20;

struct CollapseCommandOptions {
  std::vector<std::string> globs;
  std::vector<std::size_t> classes;
  std::vector<std::string> layouts;
  std::string target = "first";
  std::uint64_t seed = 1;
  std::string json_path;
  bool quiet = false;
  std::vector<std::string> plugin_paths;
};

// No --kernel: every cross_entropy and stablemax_cross_entropy kernel, or with --plugin only
// the plugins' ones.
std::vector<const Kernel*> select_collapse_kernels(const std::vector<std::string>& globs,
                                                   bool plugins_only) {
  std::vector<const Kernel*> selected;
  for (const Kernel* k : select_kernels(globs, plugins_only))
    if (collapse::collapse_loss(k->op)) selected.push_back(k);
  if (selected.empty())
    throw UsageError(
        "no cross_entropy or stablemax_cross_entropy kernel selected (see softcheck list)");
  return selected;
}

std::vector<std::size_t> checked_classes(const std::vector<std::size_t>& classes) {
  for (std::size_t n : classes)
    if (n < 2 || n > kMaxClasses)
      throw UsageError("--classes " + std::to_string(n) + " is outside [2, " +
                       std::to_string(kMaxClasses) + "]");
  return classes.empty() ? kDefaultClasses : classes;
}

std::vector<collapse::Layout> parsed_layouts(const std::vector<std::string>& names) {
  if (names.empty()) return {collapse::Layout::zeros, collapse::Layout::spread};
  std::vector<collapse::Layout> layouts;
  for (const std::string& text : names) {
    const auto layout = collapse::parse_layout(text);
    if (!layout) throw UsageError("unknown layout '" + text + "' (expected zeros or spread)");
    layouts.push_back(*layout);
  }
  return layouts;
}

int run_collapse_command(const CollapseCommandOptions& options, const Context& context) {
  const auto classes = checked_classes(options.classes);
  const auto layouts = parsed_layouts(options.layouts);
  const auto target = collapse::parse_target_position(options.target);
  if (!target) throw UsageError("unknown target position '" + options.target + "' (expected first or last)");
  register_all_kernels(Registry::instance());
  for (const std::string& path : options.plugin_paths) load_plugin(path, Registry::instance());
  const auto kernels = select_collapse_kernels(options.globs, !options.plugin_paths.empty());
  std::ofstream json = open_output(options.json_path);

  if (!options.quiet)
    std::cerr << "collapse: " << kernels.size() << " kernels; spread competitors from seed "
              << options.seed << "\n";
  std::vector<collapse::Result> results;
  for (const Kernel* kernel : kernels)
    for (std::size_t n : classes)
      for (collapse::Layout layout : layouts) {
        collapse::Options measure_options;
        measure_options.layout = layout;
        measure_options.target = *target;
        measure_options.seed = options.seed;
        if (!options.quiet)
          std::cerr << "collapse: " << kernel->name() << " n=" << n << " " << collapse::name(layout)
                    << "\n";
        results.push_back(collapse::measure(*kernel, n, measure_options));
      }

  std::cout << "softmax collapse: target logit g (at the " << collapse::name(*target)
            << " index), competitors 0 (zeros) or uniform in [-1, 0) from seed " << options.seed
            << " (spread); g on a grid of step 1/64, the format's own spacing where coarser;"
               " StableMax: " << collapse::kOctaveSubdivisions
            << " gaps per octave, onsets bisected to adjacent values\n";
  print_collapse_table(std::cout, results);
  if (json.is_open()) write_collapse_json(json, results, {context.command_line, SOFTCHECK_VERSION});
  return 0;
}

}  // namespace

void add_collapse_command(CLI::App& app, Action& run, const Context& context) {
  auto options = std::make_shared<CollapseCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "collapse", "Measure where softmax collapse zeroes each cross-entropy kernel's loss and gradient");
  command->add_option("--kernel", options->globs,
                      "kernel name glob (repeatable; default: every cross_entropy and "
                      "stablemax_cross_entropy kernel, or with --plugin the plugins' ones)");
  command->add_option("--classes", options->classes, "number of classes n (repeatable; default 2, 10, 1000)");
  command->add_option("--layout", options->layouts,
                      "competitors: zeros (all 0) or spread (uniform in [-1, 0)); repeatable, default both");
  command->add_option("--target", options->target, "where the target logit sits: first (default) or last");
  command->add_option("--seed", options->seed, "seed of the spread competitors (default 1)");
  command->add_option("--json", options->json_path, "write the measurements as JSON");
  command->add_flag("--quiet", options->quiet, "no progress lines on stderr");
  command->add_option("--plugin", options->plugin_paths,
                      "load kernels from a plugin library (include/softcheck/plugin.h; repeatable)");
  command->callback([&run, options, &context] {
    run = [options, &context] { return run_collapse_command(*options, context); };
  });
}

}  // namespace softcheck::cli
