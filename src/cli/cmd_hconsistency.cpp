// softcheck hconsistency: checks the H-consistency bound Delta C_tau >= T_tau(Delta C_{0-1})
// of the comp-sum losses (src/hconsistency, proofs/hconsistency-bounds.md) on random
// (p, h) samples in MPFR, and with --search measures how tight it is. Exit 0 when no sample
// violates the bound, 1 when one does (each printed as a reproducer), 2 on bad usage.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>

#include "cli/command_support.hpp"
#include "cli/commands.hpp"
#include "hconsistency/bound.hpp"
#include "hconsistency/check.hpp"
#include "hconsistency/real.hpp"
#include "hconsistency/report.hpp"
#include "hconsistency/search.hpp"

namespace softcheck::cli {
namespace {

namespace hc = softcheck::hconsistency;

// Default sample count: 10^4 takes about a second for n = 10.
constexpr std::uint64_t kDefaultSamples = 10000;

struct HconsistencyCommandOptions {
  double tau = -1;
  std::size_t classes = 0;
  std::uint64_t samples = kDefaultSamples;
  std::int64_t samples_given = static_cast<std::int64_t>(kDefaultSamples);
  bool search = false;
  std::uint64_t seed = 1;
  std::string json_path;
  bool quiet = false;
};

void check_usage(const HconsistencyCommandOptions& o) {
  if (!(o.tau >= 0 && o.tau <= 2))
    throw UsageError("--tau " + std::to_string(o.tau) + " is outside [0, 2]");
  if (o.classes < 2 || o.classes > hc::kMaxClasses)
    throw UsageError("--classes " + std::to_string(o.classes) + " is outside [2, " +
                     std::to_string(hc::kMaxClasses) + "]");
  if (o.samples_given < 1)
    throw UsageError("--samples " + std::to_string(o.samples_given) + " is below 1");
}

std::string vector_text(const std::vector<double>& v) {
  std::string text = "[";
  char buffer[32];
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buffer, sizeof buffer, "%.17g", v[i]);
    text += (i ? ", " : "") + std::string(buffer);
  }
  return text + "]";
}

void print_sample(std::ostream& out, const char* label, const hc::SampleRecord& r) {
  out << label << ": sample " << r.index << " (p " << r.sample.p_family << ", h " << r.sample.h_family
      << ")\n  p = " << vector_text(r.sample.p) << "\n  h = " << vector_text(r.sample.h)
      << "\n  dC01 = " << r.zero_one_regret << "  dC_tau = " << r.surrogate_regret
      << "  T(dC01) = " << r.bound << "  slack = " << r.slack << "\n";
}

void print_check(std::ostream& out, const hc::CheckResult& c) {
  out << "samples: " << c.samples << " (" << c.positive_regret_samples
      << " with dC01 > 0), violations: " << c.violations << "\n";
  if (c.min_slack) out << "min slack dC_tau - T(dC01): " << c.min_slack->slack << " (sample " << c.min_slack->index << ")\n";
  if (c.min_ratio)
    out << "min ratio dC_tau / T(dC01): " << c.min_ratio->ratio() << " (sample " << c.min_ratio->index
        << ", dC01 = " << c.min_ratio->zero_one_regret << ")\n";
  for (const hc::SampleRecord& r : c.reproducers) print_sample(out, "VIOLATION", r);
}

void print_search(std::ostream& out, const std::vector<hc::WorstCase>& worst) {
  out << "worst cases (Nelder-Mead in double, evaluated in MPFR):\n"
      << "  target    dC01           dC_tau         T(dC01)        slack       ratio        start\n";
  char line[200];
  for (const hc::WorstCase& w : worst) {
    std::snprintf(line, sizeof line, "  %-8.3g  %-13.6e  %-13.6e  %-13.6e  %-10.3e  %-11.8f  %s\n",
                  w.target, w.zero_one_regret, w.surrogate_regret, w.bound, w.slack, w.ratio(),
                  w.start.c_str());
    out << line;
  }
}

int run_hconsistency_command(HconsistencyCommandOptions& options, const Context& context) {
  check_usage(options);
  options.samples = static_cast<std::uint64_t>(options.samples_given);
  std::ofstream json = open_output(options.json_path);
  const auto started = std::chrono::steady_clock::now();
  hc::CheckOptions check_options;
  check_options.tau = options.tau;
  check_options.classes = options.classes;
  check_options.samples = options.samples;
  check_options.seed = options.seed;
  if (!options.quiet)
    std::cerr << "hconsistency: drawing " << options.samples << " samples from seed " << options.seed
              << (options.search ? ", then searching worst cases" : "") << "\n";
  std::cout << "hconsistency: tau " << options.tau << ", n " << options.classes << ", seed "
            << options.seed << ", MPFR " << std::numeric_limits<hc::Real>::digits << " bits\n"
            << "bound: " << hc::bound_form(options.tau) << "\n";
  const hc::CheckResult check = hc::run_check(check_options);
  print_check(std::cout, check);
  std::vector<hc::WorstCase> worst;
  if (options.search) {
    hc::SearchOptions search_options;
    search_options.tau = options.tau;
    search_options.classes = options.classes;
    search_options.seed = options.seed;
    worst = hc::search_worst_cases(search_options);
    print_search(std::cout, worst);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << (check.violations ? "FAIL: the bound is violated" : "ok: no sample violates the bound")
            << " (" << seconds << " s)\n";
  if (json.is_open())
    hc::write_json(json, check_options, check, worst, options.search,
                   {context.command_line, SOFTCHECK_VERSION, seconds});
  return check.violations ? 1 : 0;
}

}  // namespace

void add_hconsistency_command(CLI::App& app, Action& run, const Context& context) {
  auto options = std::make_shared<HconsistencyCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "hconsistency", "Check the H-consistency bound of the comp-sum losses on random samples (MPFR)");
  command->add_option("--tau", options->tau, "comp-sum parameter tau in [0, 2] (1: cross-entropy)")->required();
  command->add_option("--classes", options->classes, "number of classes n >= 2")->required();
  command->add_option("--samples", options->samples_given, "number of (p, h) samples (default 10000)");
  command->add_flag("--search", options->search, "also minimise the slack over h for a grid of dC01 values");
  command->add_option("--seed", options->seed, "seed of the samples (default 1)");
  command->add_option("--json", options->json_path, "write the results as JSON");
  command->add_flag("--quiet", options->quiet, "no progress lines on stderr");
  command->callback([&run, options, &context] {
    run = [options, &context] { return run_hconsistency_command(*options, context); };
  });
}

}  // namespace softcheck::cli
