// How fast the gate verifies, with the reference's double-double fast path
// (src/reference/fast_row.hpp) and with every reference in MPFR, in one run, one thread:
//   1. the reference stage alone: correctly rounded softmax-family outputs per second over
//      every batch of the suite, per format, the fraction of rows that fell back to MPFR,
//      and a comparison of every output (rounded value and exact_hi must be identical);
//   2. the whole gate over the built-in softmax-family kernels of each format: kernel
//      outputs verified per second (each checked against its correctly rounded reference)
//      and the kernels' verdicts and violation counts, which must be identical;
//   3. StableMax's references as in 1 (fast_stablemax.cpp against MPFR);
//   4. the loss family's references as in 1 (fast_softmax_loss.cpp, fast_sigmoid_bce.cpp), at
//      the built-in kernels' parameters.
// Usage: verify_throughput [--suite quick|default|deep] [--seed N] [--markdown FILE]
//                          [--format f64|f32|bf16|f16] [--lengths N,N,...] [--reference-only]
// (--format: that format only; --lengths: only the suite's batches of rows of those lengths;
// --reference-only: stage 1 only, for profiling the reference)
// Exit status: 0 identical results, 1 any difference, 2 usage error.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "reference/op_reference.hpp"
#include "checks/contract.hpp"
#include "checks/gate.hpp"
#include "core/families.hpp"
#include "core/loss_parameters.hpp"
#include "kernels/builtin.hpp"
#include "stability_report/machine_info.hpp"
#include "reference/fast_row.hpp"

using namespace softcheck;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

// The batches a run measures: the suite's families from the seed, and with --lengths only the
// batches whose rows have one of those lengths (to rerun one cell of the report).
struct Inputs {
  Suite suite = Suite::standard;
  std::uint64_t seed = 1;
  std::vector<std::size_t> lengths;  // empty: every length
  bool wanted(const Batch& b) const {
    return lengths.empty() || std::find(lengths.begin(), lengths.end(), b.n) != lengths.end();
  }
};

struct StageResult {
  std::size_t elements = 0, differences = 0;
  double fast_seconds = 0, mpfr_seconds = 0;
  double fallback_fraction = 0;  // of the elements or rows (the fast path's count)
};

// Two references agree: the same rounded value and exact_hi, bit for bit.
bool same_exact(const reference::Exact& x, const reference::Exact& y) {
  return same(x.rounded, y.rounded) && same(x.exact_hi, y.exact_hi);
}

// Outputs of the two references of one batch that differ: every op of the group, every row,
// its per-element outputs and its per-row value (NaN in both where an op has none).
std::size_t compare(const std::vector<std::vector<reference::OpRow>>& a,
                    const std::vector<std::vector<reference::OpRow>>& b) {
  std::size_t differences = 0;
  for (std::size_t op = 0; op < a.size(); ++op)
    for (std::size_t r = 0; r < a[op].size(); ++r) {
      const reference::OpRow& x = a[op][r];
      const reference::OpRow& y = b[op][r];
      for (std::size_t i = 0; i < x.elements.size(); ++i)
        differences += !same_exact(x.elements[i], y.elements[i]);
      differences += !same_exact(x.value, y.value);
    }
  return differences;
}

// The references of every op of `op`'s group on a batch, one thread.
std::vector<std::vector<reference::OpRow>> group_references(Op op, const Batch& batch,
                                                            bool fast_path) {
  reference::ReferenceOptions options;
  options.fast_path = fast_path;
  return reference::evaluate_group_batch(reference::reference_group(op), batch, {}, options, 1);
}

std::vector<Batch> suite_batches(Format format, const Inputs& inputs) {
  std::vector<Batch> batches;
  for (const Family& family : families())
    for (Batch& b : family.generate(format, inputs.suite, family_seed(inputs.seed, family.name)))
      if (inputs.wanted(b)) batches.push_back(std::move(b));
  return batches;
}

// Every batch's references with the fast path, then in MPFR only (each compared with the
// fast path's): evaluate(batch, fast_path) returns the group's references of the batch,
// per_element * n + per_row distinct outputs per row.
template <class Evaluate>
StageResult time_both(const std::vector<Batch>& batches, Evaluate evaluate, std::size_t per_element,
                      std::size_t per_row) {
  StageResult result;
  for (const Batch& b : batches) result.elements += b.rows * (per_element * b.n + per_row);
  std::vector<decltype(evaluate(batches.front(), true))> fast;
  auto start = Clock::now();
  for (const Batch& b : batches) fast.push_back(evaluate(b, true));
  result.fast_seconds = seconds_since(start);
  start = Clock::now();
  for (std::size_t i = 0; i < batches.size(); ++i)
    result.differences += compare(fast[i], evaluate(batches[i], false));
  result.mpfr_seconds = seconds_since(start);
  return result;
}

// The share of a fast path's count (rows or elements) that fell back to MPFR between two
// snapshots of reference::fast_path_counts(): `fast` and `fallback` name its two counters.
using Counter = std::uint64_t reference::FastPathCounts::*;
double fallback_fraction(const reference::FastPathCounts& before,
                         const reference::FastPathCounts& after, Counter fast, Counter fallback) {
  const double fell_back = double(after.*fallback - before.*fallback);
  const double answered = double(after.*fast - before.*fast);
  return fell_back / std::max(1.0, fell_back + answered);
}

// One reference stage: time_both over the suite's batches, and the share of the fast path's
// count (`fast`, `fallback`: its counters) that fell back to MPFR.
template <class Evaluate>
StageResult measure_stage(Format format, const Inputs& inputs, Evaluate evaluate,
                          std::size_t per_element, std::size_t per_row, Counter fast,
                          Counter fallback) {
  const std::vector<Batch> batches = suite_batches(format, inputs);
  const auto before = reference::fast_path_counts();
  StageResult result = time_both(batches, evaluate, per_element, per_row);
  result.fallback_fraction = fallback_fraction(before, reference::fast_path_counts(), fast, fallback);
  return result;
}

// The softmax family's references; the fallback fraction is of the outputs.
StageResult reference_stage(Format format, const Inputs& inputs) {
  return measure_stage(
      format, inputs,
      [](const Batch& b, bool fast_path) { return group_references(Op::softmax, b, fast_path); },
      3, 2, &reference::FastPathCounts::fast_elements,
      &reference::FastPathCounts::fallback_elements);
}

// StableMax's references (StableMax, log-StableMax, StCE loss and gradient) the same way;
// the fallback fraction is of the rows.
StageResult stablemax_stage(Format format, const Inputs& inputs) {
  return measure_stage(
      format, inputs,
      [](const Batch& b, bool fast_path) { return group_references(Op::stablemax, b, fast_path); },
      3, 1, &reference::FastPathCounts::stablemax_fast_rows,
      &reference::FastPathCounts::stablemax_fallback_rows);
}

// The loss family's references (fast_softmax_loss.cpp, fast_sigmoid_bce.cpp,
// fast_normalisers.cpp, fast_z_loss.cpp against MPFR) at
// the built-in kernels' parameters (src/kernels/loss_family_registry.cpp): every comp-sum tau,
// temperature cross-entropy T and temperature softmax T, the sigmoid BCE, the two normalisers
// and the Z-loss, on every batch; the fallback fraction is of the rows.
struct LossCase {
  Op op;
  LossParameters parameters;
};
const std::vector<LossCase>& loss_cases() {
  static const std::vector<LossCase> cases = [] {
    std::vector<LossCase> c;
    for (double tau : {0.0, 0.5, 1.0, 1.5, 2.0}) c.push_back({Op::comp_sum, {.tau = tau}});
    for (double t : {0.25, 0.5, 2.0, 10.0})
      c.push_back({Op::temperature_cross_entropy, {.temperature = t}});
    for (double t : {0.001, 0.1, 10.0, 1000.0})
      c.push_back({Op::temperature_softmax, {.temperature = t}});
    c.push_back({Op::sigmoid_bce, {}});
    c.push_back({Op::sigmoid_normaliser, {}});
    c.push_back({Op::softplus_normaliser, {}});
    c.push_back({Op::z_loss, {.a = 1.0, .b = 1.0}});
    c.push_back({Op::z_loss, {.a = 0.1, .b = 10.0}});
    return c;
  }();
  return cases;
}

StageResult loss_stage(Format format, const Inputs& inputs) {
  const auto evaluate = [](const Batch& b, bool fast_path) {
    reference::ReferenceOptions options;
    options.fast_path = fast_path;
    std::vector<std::vector<reference::OpRow>> all;  // one op per case
    for (const LossCase& c : loss_cases())
      for (auto& op_rows : reference::evaluate_group_batch(reference::reference_group(c.op), b,
                                                           c.parameters, options, 1))
        all.push_back(std::move(op_rows));
    return all;
  };
  return measure_stage(format, inputs, evaluate, loss_cases().size(), loss_cases().size(),
                       &reference::FastPathCounts::loss_fast_rows,
                       &reference::FastPathCounts::loss_fallback_rows);
}

struct GateComparison {
  std::size_t elements = 0, kernels = 0, differences = 0;
  std::size_t verified = 0;  // kernel outputs checked against a reference (accuracy,
                             // subnormal and special checks)
  double fast_seconds = 0, mpfr_seconds = 0;
};

GateComparison gate_stage(Format format, const Inputs& inputs) {
  Registry registry;
  register_builtin_kernels(registry);
  std::vector<const Kernel*> kernels;
  for (const Kernel& k : registry.all())
    if (in_family(k.op, "softmax") && k.format == format) kernels.push_back(&k);
  GateOptions options;
  options.suite = inputs.suite;
  options.seed = inputs.seed;
  options.threads = 1;
  if (!inputs.lengths.empty()) {
    std::set<std::pair<std::string, std::size_t>> wanted;  // (family, batch index)
    for (const Family& family : families()) {
      const std::vector<Batch> batches =
          family.generate(format, inputs.suite, family_seed(inputs.seed, family.name));
      for (std::size_t b = 0; b < batches.size(); ++b)
        if (inputs.wanted(batches[b])) wanted.insert({family.name, b});
    }
    options.include_batch = [wanted](const Kernel&, const std::string& family, std::size_t b) {
      return wanted.count({family, b}) > 0;
    };
  }
  const ContractSet contracts = ContractSet::builtin();
  auto start = Clock::now();
  const GateResult fast = run_gate(kernels, contracts, options);
  GateComparison result;
  result.fast_seconds = seconds_since(start);
  options.mpfr_only = true;
  start = Clock::now();
  const GateResult mpfr = run_gate(kernels, contracts, options);
  result.mpfr_seconds = seconds_since(start);
  result.elements = fast.reference_elements;
  result.kernels = kernels.size();
  for (const KernelResult& k : fast.kernels)
    for (Check c : {Check::accuracy, Check::subnormal, Check::special})
      if (const auto it = k.checks.find(c); it != k.checks.end())
        result.verified += it->second.elements;
  for (std::size_t k = 0; k < kernels.size(); ++k) {
    const KernelResult& a = fast.kernels[k];
    const KernelResult& b = mpfr.kernels[k];
    bool equal = a.verdict == b.verdict && a.violations() == b.violations();
    for (const auto& [check, stats] : a.checks) {
      const auto other = b.checks.find(check);
      equal &= other != b.checks.end() && other->second.violations == stats.violations &&
               other->second.elements == stats.elements;
    }
    if (!equal) {
      ++result.differences;
      std::cerr << "DIFFERENT verdict or violations: " << a.kernel->name() << "\n";
    }
  }
  return result;
}

std::string rate(double elements, double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f M/s", elements / seconds / 1e6);
  return text;
}

std::string ratio(double a, double b) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1fx", a / b);
  return text;
}

// A stage's cells after the format's: outputs, both rates, the speed-up, the fallback share
// and the outputs different, each followed by " |".
std::string stage_cells(const StageResult& stage) {
  char fallback[32];
  std::snprintf(fallback, sizeof fallback, "%.1f %%", 100 * stage.fallback_fraction);
  std::ostringstream cells;
  cells << stage.elements << " | " << rate(stage.elements, stage.fast_seconds) << " | "
        << rate(stage.elements, stage.mpfr_seconds) << " | "
        << ratio(stage.mpfr_seconds, stage.fast_seconds) << " | " << fallback << " | "
        << stage.differences << " |";
  return cells.str();
}

// One table of a reference stage (stablemax_stage, loss_stage) over the formats, appended to
// `table`; returns the outputs different from MPFR.
template <class Stage>
std::size_t stage_table(std::ostringstream& table, const std::string& title,
                        const std::string& progress, const std::vector<Format>& formats,
                        const Inputs& inputs, Stage stage_of) {
  table << "\n" << title << ":\n\n"
        << "| format | reference outputs | fast path | MPFR only | speed-up | MPFR fallback (rows) "
           "| outputs different |\n|---|---|---|---|---|---|---|\n";
  std::size_t differences = 0;
  for (Format format : formats) {
    std::cerr << "verify_throughput: " << name(format) << " " << progress << "...\n";
    const StageResult stage = stage_of(format, inputs);
    differences += stage.differences;
    table << "| " << name(format) << " | " << stage_cells(stage) << "\n";
  }
  return differences;
}

// "16,1024" as lengths; nothing for a malformed list.
std::optional<std::vector<std::size_t>> parse_lengths(const std::string& text) {
  std::vector<std::size_t> lengths;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item.empty() || item.size() > 12 || item.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    lengths.push_back(std::stoull(item));
  }
  if (lengths.empty()) return std::nullopt;
  return lengths;
}

}  // namespace

int main(int argc, char** argv) {
  Inputs inputs;
  std::string markdown_path;
  bool reference_only = false;
  std::vector<Format> formats(std::begin(kAllFormats), std::end(kAllFormats));
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--suite" && has_value && parse_suite(argv[i + 1])) {
      inputs.suite = *parse_suite(argv[++i]);
    } else if (arg == "--seed" && has_value) {
      inputs.seed = std::stoull(argv[++i]);
    } else if (arg == "--lengths" && has_value && parse_lengths(argv[i + 1])) {
      inputs.lengths = *parse_lengths(argv[++i]);
    } else if (arg == "--format" && has_value && parse_format(argv[i + 1])) {
      formats = {*parse_format(argv[++i])};
    } else if (arg == "--reference-only") {
      reference_only = true;
    } else if (arg == "--markdown" && has_value) {
      markdown_path = argv[++i];
    } else {
      std::cerr << "usage: verify_throughput [--suite quick|default|deep] [--seed N] "
                   "[--markdown FILE] [--format F] [--lengths N,N,...] [--reference-only]\n";
      return 2;
    }
  }
  if (suite_batches(formats.front(), inputs).empty()) {
    std::cerr << "verify_throughput: no batch of the suite has rows of the lengths given\n";
    return 2;
  }
  std::ostringstream table;
  std::string command = "build/verify_throughput";  // as it was run
  for (int i = 1; i < argc; ++i) command.append(" ").append(argv[i]);
  table << "# Fast verification: the references' double-double paths against MPFR\n\n"
        << "Produced by `" << command << "` (softcheck " << SOFTCHECK_VERSION << ") on "
        << stability::machine_info().cpu
        << ": one thread, both sides measured in the same run after one untimed warm-up "
           "pass. Method, proof and the deep-suite figures: docs/fast-verification.md.\n\n"
        << "Softmax-family references (softmax, log_softmax, cross-entropy gradient per "
           "element, logsumexp and loss per row), and the gate's comparisons over every "
           "built-in softmax-family kernel of the format:\n\n"
        << "| format | reference outputs | fast path | MPFR only | speed-up | MPFR fallback "
           "(outputs) | outputs different | gate: kernels | kernel outputs verified | "
           "verified with fast path | verified MPFR only | speed-up | verdicts different |\n"
        << "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  std::size_t differences = 0;
  // One untimed pass first (the first format, the same suite): the exp tables, MPFR's caches,
  // the per-thread scratch and the heap are then in place for every timed format alike.
  reference_stage(formats.front(), inputs);
  for (Format format : formats) {
    std::cerr << "verify_throughput: " << name(format) << " reference stage...\n";
    const StageResult stage = reference_stage(format, inputs);
    std::cerr << "verify_throughput: " << name(format) << " gate...\n";
    const GateComparison gate = reference_only ? GateComparison{} : gate_stage(format, inputs);
    differences += stage.differences + gate.differences;
    table << "| " << name(format) << " | " << stage_cells(stage) << " ";
    if (reference_only)
      table << "- | - | - | - | - | - |\n";
    else
      table << gate.kernels << " | " << gate.verified << " | "
            << rate(gate.verified, gate.fast_seconds) << " | "
            << rate(gate.verified, gate.mpfr_seconds) << " | "
            << ratio(gate.mpfr_seconds, gate.fast_seconds) << " | " << gate.differences << " |\n";
  }
  differences += stage_table(
      table,
      "StableMax references (StableMax, log-StableMax, StCE loss and gradient; same suite, "
      "one thread)",
      "StableMax references", formats, inputs, stablemax_stage);
  differences += stage_table(
      table,
      "Loss-family references (comp-sum loss and gradient at tau = 0, 0.5, 1, 1.5, 2; "
      "temperature cross-entropy at T = 0.25, 0.5, 2, 10; temperature softmax at T = 0.001, "
      "0.1, 10, 1000; sigmoid BCE; the sigmoid and softplus normalisers; the Z-loss at "
      "(a, b) = (1, 1), (0.1, 10): the built-in kernels' parameters; same suite, one thread)",
      "loss-family references", formats, inputs, loss_stage);
  std::cout << table.str();
  if (!markdown_path.empty()) {
    std::ofstream out(markdown_path);
    out << table.str();
    if (!out) {
      std::cerr << "verify_throughput: cannot write " << markdown_path << "\n";
      return 2;
    }
  }
  return differences == 0 ? 0 : 1;
}
