// softcheck report: the gate, accuracy against input scale, the softmax-collapse sweep, the
// Taylor-radius statistics and the H-consistency checks for the selected kernels, written as
// one self-contained HTML page (inline SVG figures), a Markdown summary and the raw JSON
// (src/stability). Exit 0 when every gate verdict is pass or an expected failure, 1 when a
// contract is broken (the report is written either way), 2 on bad usage.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "adapters/adapters.hpp"
#include "cli/command_support.hpp"
#include "cli/commands.hpp"
#include "cli/progress_bar.hpp"
#include "stability_report/report_writers.hpp"

namespace softcheck::cli {
namespace {

struct ReportCommandOptions {
  std::string out = "softcheck-report";
  std::vector<std::string> globs;
  std::string suite = "default";
  std::uint64_t seed = 1;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  bool quiet = false;
};

// Creates DIR and opens DIR/name for writing; UsageError when either fails.
std::ofstream open_in(const std::filesystem::path& dir, const std::string& name) {
  return open_output((dir / name).string());
}

int run_report_command(const ReportCommandOptions& options, const Context& context) {
  const auto suite = parse_suite(options.suite);
  if (!suite) throw UsageError("unknown suite '" + options.suite + "' (expected quick, default or deep)");
  register_all_kernels(Registry::instance());
  const auto kernels = select_kernels(options.globs, false);
  const std::filesystem::path dir(options.out);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error || !std::filesystem::is_directory(dir))
    throw UsageError("cannot write '" + options.out + "': " +
                     (error ? error.message() : std::string("not a directory")));
  std::ofstream html = open_in(dir, "report.html");
  std::ofstream markdown = open_in(dir, "report.md");
  std::ofstream json = open_in(dir, "report.json");

  stability::ReportOptions report_options;
  report_options.kernels = kernels;
  report_options.globs = options.globs;
  report_options.suite = *suite;
  report_options.seed = options.seed;
  report_options.threads = options.threads;
  report_options.command_line = context.command_line;
  stability::StabilityReport report;
  {
    ProgressBar bar(options.quiet);
    report_options.progress = [&bar](double fraction, const std::string& text) { bar.update(fraction, text); };
    report = stability::run_report(report_options);
  }
  report.options.progress = nullptr;
  stability::write_report_html(html, report);
  stability::write_report_markdown(markdown, report);
  stability::write_report_json(json, report);
  std::cout << "report: " << report.gate.kernels.size() << " kernels, " << report.seconds
            << " s; wrote " << (dir / "report.html").string() << ", " << (dir / "report.md").string()
            << ", " << (dir / "report.json").string() << "\n";
  return report.gate.ok() ? 0 : 1;
}

}  // namespace

void add_report_command(CLI::App& app, Action& run, const Context& context) {
  auto options = std::make_shared<ReportCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "report", "Stability report: gate, accuracy vs scale, collapse, Taylor radius and "
                "H-consistency as HTML (inline plots), Markdown and JSON");
  command->add_option("--out", options->out, "output directory (default softcheck-report)");
  command->add_option("--kernel", options->globs, "kernel name glob (repeatable; default: all)");
  command->add_option("--suite", options->suite, "quick, default or deep");
  command->add_option("--seed", options->seed, "base seed of every input (default 1)");
  command->add_option("--threads", options->threads, "threads for the reference stage")
      ->check(CLI::Range(1u, 256u));
  command->add_flag("--quiet", options->quiet, "no progress bar on stderr");
  command->callback([&run, options, &context] {
    run = [options, &context] { return run_report_command(*options, context); };
  });
}

}  // namespace softcheck::cli
