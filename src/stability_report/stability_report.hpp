// `softcheck report`: one run of every analysis softcheck has, for the selected kernels -
// the gate (verdicts, declared properties, reproducers), accuracy against input scale, the
// softmax-collapse sweep beside its theory, Taylor-radius statistics and the H-consistency
// bound checks - gathered with the machine and the commands that reproduce each part.
// Writers: report_html.cpp, report_markdown.cpp, report_json.cpp (report_writers.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "checks/collapse.hpp"
#include "checks/gate.hpp"
#include "hconsistency/check.hpp"
#include "stability_report/accuracy_scale.hpp"
#include "stability_report/machine_info.hpp"
#include "stability_report/radius_stats.hpp"

namespace softcheck::stability {

struct CollapseSettings {
  std::vector<std::size_t> classes;
  std::vector<collapse::Layout> layouts;
  std::uint64_t seed = 1;
};

struct HconsistencyRun {
  hconsistency::CheckOptions options;
  hconsistency::CheckResult result;
};

struct ReportOptions {
  std::vector<const Kernel*> kernels;
  std::vector<std::string> globs;  // as given (empty: every kernel)
  Suite suite = Suite::standard;
  std::uint64_t seed = 1;
  unsigned threads = 2;
  std::string command_line;
  // fraction of the whole run done (0..1) and what runs now
  std::function<void(double fraction, const std::string& stage)> progress;
};

struct StabilityReport {
  ReportOptions options;
  MachineInfo machine;
  GateResult gate;
  AccuracyOptions accuracy_options;
  std::vector<AccuracyCurve> accuracy;
  CollapseSettings collapse_settings;
  std::vector<collapse::Result> collapse;  // empty when no cross-entropy kernel is selected
  RadiusStats radius;
  std::vector<HconsistencyRun> hconsistency;
  std::vector<std::pair<std::string, double>> stage_seconds;
  double seconds = 0;
};

CollapseSettings collapse_settings(Suite suite, std::uint64_t seed);
// The H-consistency checks of a suite: tau in {0, 0.5, 1, 1.5, 2} x n in {2, 10}.
std::vector<hconsistency::CheckOptions> hconsistency_checks(Suite suite, std::uint64_t seed);

StabilityReport run_report(const ReportOptions& options);

// Commands that reproduce parts of a report (shown beside each figure and table).
std::string shell_quote(const std::string& word);
std::string report_command(const StabilityReport& report, const std::vector<std::string>& globs);
std::string gate_command(const StabilityReport& report, const std::vector<std::string>& globs);
std::string collapse_command(const StabilityReport& report, const std::vector<std::string>& globs);
std::string hconsistency_command(const hconsistency::CheckOptions& options);

}  // namespace softcheck::stability
