#include "stability_report/stability_report.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <set>

namespace softcheck::stability {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Share of the progress bar per stage (by their typical running time).
constexpr double kGateWeight = 0.35, kAccuracyWeight = 0.25, kCollapseWeight = 0.25,
                 kRadiusWeight = 0.10, kHconsistencyWeight = 0.05;

class Progress {
 public:
  explicit Progress(const ReportOptions& options) : report_(options.progress) {}
  // Enters a stage of the given weight; returns the callback for its fraction.
  void begin(double weight) {
    base_ += current_weight_;
    current_weight_ = weight;
  }
  void at(double fraction, const std::string& text) const {
    if (report_) report_(std::min(1.0, base_ + current_weight_ * std::clamp(fraction, 0.0, 1.0)), text);
  }

 private:
  std::function<void(double, const std::string&)> report_;
  double base_ = 0, current_weight_ = 0;
};

GateResult run_gate_stage(const ReportOptions& options, Progress& progress) {
  std::set<Format> formats;
  for (const Kernel* k : options.kernels) formats.insert(k->format);
  const double steps = static_cast<double>(std::max<std::size_t>(1, formats.size() * families().size()));
  GateOptions gate;
  gate.suite = options.suite;
  gate.seed = options.seed;
  gate.threads = options.threads;
  auto count = std::make_shared<double>(0);
  gate.progress = [&progress, count, steps](const std::string& line) {
    progress.at(*count / steps, line);
    *count += 1;
  };
  return run_gate(options.kernels, ContractSet::builtin(), gate);
}

std::vector<collapse::Result> run_collapse_stage(const ReportOptions& options,
                                                 const CollapseSettings& settings,
                                                 Progress& progress) {
  std::vector<const Kernel*> kernels;
  for (const Kernel* k : options.kernels)
    if (collapse::collapse_loss(k->op)) kernels.push_back(k);
  std::vector<collapse::Result> results;
  const double total =
      static_cast<double>(kernels.size() * settings.classes.size() * settings.layouts.size());
  for (const Kernel* kernel : kernels)
    for (std::size_t n : settings.classes)
      for (collapse::Layout layout : settings.layouts) {
        progress.at(static_cast<double>(results.size()) / total,
                    "collapse: " + kernel->name() + " n=" + std::to_string(n));
        collapse::Options measure;
        measure.layout = layout;
        measure.seed = settings.seed;
        results.push_back(collapse::measure(*kernel, n, measure));
      }
  return results;
}

std::string join_globs(const std::vector<std::string>& globs) {
  std::string text;
  for (const std::string& g : globs) text += " --kernel " + shell_quote(g);
  return text;
}

}  // namespace

CollapseSettings collapse_settings(Suite suite, std::uint64_t seed) {
  CollapseSettings s;
  s.seed = seed;
  s.classes = suite == Suite::quick ? std::vector<std::size_t>{10}
                                    : std::vector<std::size_t>{2, 10, 1000};
  s.layouts = {collapse::Layout::zeros};
  if (suite == Suite::deep) s.layouts.push_back(collapse::Layout::spread);
  return s;
}

std::vector<hconsistency::CheckOptions> hconsistency_checks(Suite suite, std::uint64_t seed) {
  const std::uint64_t samples = suite == Suite::quick ? 200 : suite == Suite::deep ? 20000 : 2000;
  std::vector<hconsistency::CheckOptions> checks;
  for (double tau : {0.0, 0.5, 1.0, 1.5, 2.0})
    for (std::size_t n : {std::size_t{2}, std::size_t{10}}) {
      hconsistency::CheckOptions o;
      o.tau = tau;
      o.classes = n;
      o.samples = samples;
      o.seed = seed;
      o.cloud_points = 600;
      checks.push_back(o);
    }
  return checks;
}

StabilityReport run_report(const ReportOptions& options) {
  const auto start = Clock::now();
  StabilityReport report;
  report.options = options;
  report.machine = machine_info();
  Progress progress(options);

  progress.begin(kGateWeight);
  auto stage = Clock::now();
  report.gate = run_gate_stage(options, progress);
  report.stage_seconds.emplace_back("gate", since(stage));

  progress.begin(kAccuracyWeight);
  stage = Clock::now();
  report.accuracy_options = accuracy_options(options.suite, options.seed, options.threads);
  report.accuracy_options.progress = [&progress](std::size_t done, std::size_t total,
                                                 const std::string& text) {
    progress.at(static_cast<double>(done) / static_cast<double>(std::max<std::size_t>(total, 1)), text);
  };
  report.accuracy = measure_accuracy(options.kernels, ContractSet::builtin(), report.accuracy_options);
  report.accuracy_options.progress = nullptr;
  report.stage_seconds.emplace_back("accuracy vs scale", since(stage));

  progress.begin(kCollapseWeight);
  stage = Clock::now();
  report.collapse_settings = collapse_settings(options.suite, options.seed);
  report.collapse = run_collapse_stage(options, report.collapse_settings, progress);
  report.stage_seconds.emplace_back("collapse", since(stage));

  progress.begin(kRadiusWeight);
  stage = Clock::now();
  RadiusOptions radius = radius_options(options.suite, options.seed);
  radius.progress = [&progress](std::size_t done, std::size_t total, const std::string& text) {
    progress.at(static_cast<double>(done) / static_cast<double>(std::max<std::size_t>(total, 1)), text);
  };
  report.radius = measure_radius_stats(radius);
  report.radius.options.progress = nullptr;
  report.stage_seconds.emplace_back("Taylor radius", since(stage));

  progress.begin(kHconsistencyWeight);
  stage = Clock::now();
  const auto checks = hconsistency_checks(options.suite, options.seed);
  for (std::size_t i = 0; i < checks.size(); ++i) {
    char text[96];
    std::snprintf(text, sizeof text, "hconsistency: tau %g, n %zu", checks[i].tau, checks[i].classes);
    progress.at(static_cast<double>(i) / static_cast<double>(checks.size()), text);
    report.hconsistency.push_back({checks[i], hconsistency::run_check(checks[i])});
  }
  report.stage_seconds.emplace_back("H-consistency", since(stage));
  progress.at(1.0, "report: writing");
  report.seconds = since(start);
  return report;
}

std::string shell_quote(const std::string& word) {
  const bool plain = !word.empty() && word.find_first_not_of(
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=,:+") == std::string::npos;
  if (plain) return word;
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string report_command(const StabilityReport& report, const std::vector<std::string>& globs) {
  return "softcheck report --suite " + std::string(name(report.options.suite)) + " --seed " +
         std::to_string(report.options.seed) + join_globs(globs);
}

std::string gate_command(const StabilityReport& report, const std::vector<std::string>& globs) {
  return "softcheck gate --suite " + std::string(name(report.options.suite)) + " --seed " +
         std::to_string(report.options.seed) + join_globs(globs);
}

std::string collapse_command(const StabilityReport& report, const std::vector<std::string>& globs) {
  std::string command = "softcheck collapse" + join_globs(globs);
  for (std::size_t n : report.collapse_settings.classes) command += " --classes " + std::to_string(n);
  for (collapse::Layout l : report.collapse_settings.layouts)
    command += " --layout " + std::string(collapse::name(l));
  return command + " --seed " + std::to_string(report.collapse_settings.seed);
}

std::string hconsistency_command(const hconsistency::CheckOptions& o) {
  char text[160];
  std::snprintf(text, sizeof text, "softcheck hconsistency --tau %g --classes %zu --samples %llu --seed %llu",
                o.tau, o.classes, static_cast<unsigned long long>(o.samples),
                static_cast<unsigned long long>(o.seed));
  return text;
}

}  // namespace softcheck::stability
