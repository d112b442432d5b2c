#include "checks/gate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <numeric>
#include <set>

#include "checks/batch_references.hpp"
#include "checks/bias_numbers.hpp"
#include "checks/behaviour_checks.hpp"
#include "checks/element_bounds.hpp"
#include "checks/gate_merge.hpp"
#include "checks/in_place.hpp"
#include "checks/repeat.hpp"
#include "checks/op_checks.hpp"
#include "checks/behaviour_plans.hpp"
#include "checks/rounding_bias.hpp"
#include "checks/zero_size.hpp"
#include "core/batch.hpp"
#include "core/parallel.hpp"
#include "fp/two_sum.hpp"
#include "kernels/kernel_buffers.hpp"
#include "reference/thread_caches.hpp"

namespace softcheck {
namespace {

// Where in the family stream a batch sits, for reproducers.
struct BatchOrigin {
  const std::string* family;
  std::uint64_t seed;
  std::size_t index;
};

class KernelChecker {
 public:
  KernelChecker(KernelResult& result, const GateOptions& options)
      : result_(result), options_(options), bias_(result.kernel->format),
        checks_(checks_of(result.kernel->op)),
        declares_(!(result.contract == result.baseline)) {}

  const Kernel& kernel() const { return *result_.kernel; }

  // After the last batch of a family: keeps its rounding-bias statistics, for run_gate to
  // decide once it knows how many tests the run makes.
  void finish_family(const std::string& family) {
    const BiasStats stats = bias_.take();
    if (stats.tested()) result_.bias.push_back({family, stats});
  }

  // The behaviour plans (ranking, descent) this kernel's checks of a batch read, under its
  // contract and the strict baseline, added to `requests`.
  void request_behaviour_plans(const BatchReferences& references,
                               std::vector<BehaviourRequest>& requests) const {
    const std::vector<reference::OpRow>& expected = references.of(kernel());
    for (OutputCheck c : checks_) {
      if (c != OutputCheck::ranking && c != OutputCheck::descent) continue;
      const Check check = c == OutputCheck::ranking ? Check::ranking : Check::descent;
      requests.push_back({check, &expected, result_.contract});
      if (declares_)
        requests.push_back({check, &expected, result_.baseline});
    }
  }

  // Whether this kernel's checks still count values for the rounding bias (of elements, row
  // values or losses), and so read the batch's bias numbers of its references.
  bool counts_bias() const {
    if (!bias_.counting()) return false;
    return std::any_of(checks_.begin(), checks_.end(), [](OutputCheck c) {
      return c == OutputCheck::elements || c == OutputCheck::row_value || c == OutputCheck::loss;
    });
  }

  void check_batch(const Batch& batch, const BatchReferences& references,
                   const BehaviourPlans& plans, const BatchBiasNumbers& bias_numbers,
                   const BatchOrigin& origin) {
    const Kernel& kernel = *result_.kernel;
    KernelBuffers buffers(kernel.op, batch, batch.n + kRowPadding);
    const PackedBatch& out = buffers.out;
    const PackedBatch& loss = buffers.loss;
    const PackedBatch pristine = out;
    try {
      kernel.run(buffers.call);
    } catch (const KernelFailure& failure) {
      record_crash(batch, origin, failure.what());
      return;
    }

    const std::vector<reference::OpRow>& expected = references.of(kernel);
    plans_ = {plans.ranking(expected, result_.contract), plans.ranking(expected, result_.baseline),
              plans.descent(expected, result_.contract), plans.descent(expected, result_.baseline)};
    numbers_ = counts_bias() ? &bias_numbers.of(expected) : nullptr;
    const bool element_output = kernel.op.spec().has_element_output();
    for (std::size_t r = 0; r < batch.rows; ++r) {
      const RowFacts facts = row_facts(batch.row(r));
      for (OutputCheck check : checks_) check_output(check, batch, out, loss, r, expected[r], facts, origin);
      bias_.end_row();
      if (element_output) check_padding(batch, out, pristine, r, origin);
    }
    if (std::find(checks_.begin(), checks_.end(), OutputCheck::risk_order) != checks_.end())
      check_risk_order(batch, loss, expected, origin);
    if (options_.probe_calls) check_in_place(batch, out, origin);
    if (options_.run_twice) check_repeat(batch, buffers, origin);
  }

 private:
  // One check of the op's list (op_checks.hpp) on row r; risk_order runs over the rows.
  void check_output(OutputCheck check, const Batch& batch, const PackedBatch& out,
                    const PackedBatch& loss, std::size_t r, const reference::OpRow& ref,
                    const RowFacts& facts, const BatchOrigin& origin) {
    switch (check) {
      case OutputCheck::elements: return check_row(batch, out, r, ref.elements, facts, origin);
      case OutputCheck::bounded_elements:
        return check_bounded_row(batch, out, r, ref.elements, facts, origin);
      case OutputCheck::sum_to_one: return check_sum(batch, out, r, ref.elements, origin);
      case OutputCheck::ranking:
        return check_behaviour(Check::ranking, batch, out, r, ref.elements, origin);
      case OutputCheck::descent:
        return check_behaviour(Check::descent, batch, out, r, ref.elements, origin);
      case OutputCheck::row_value: return check_scalar(batch, out, r, ref.value, facts, origin, "out");
      case OutputCheck::loss:
        if (batch.n > 0) check_scalar(batch, loss, r, ref.value, facts, origin, "loss");
        return;
      case OutputCheck::risk_order: return;
    }
  }

  // Measures under the kernel's contract and counts a pass that only a declared property
  // (a difference from the strict baseline contract) allows.
  Measurement measure(double got, const reference::Exact& expected, Format format,
                      const ElementContext& context) {
    const Measurement m = measure_element(got, expected, format, result_.contract, context);
    if (m.pass && declares_ &&
        !measure_element(got, expected, format, result_.baseline, context).pass)
      ++result_.declared[m.check];
    return m;
  }

  void record_crash(const Batch& batch, const BatchOrigin& origin, const std::string& message) {
    const Measurement m{Check::crash, 1.0, 0.0, false};
    record(m, batch, 0, 0, "call", NAN, NAN, NAN, origin);
    for (Violation& v : result_.reproducers)
      if (v.check == Check::crash && v.message.empty()) v.message = message;
  }

  void record(const Measurement& m, const Batch& batch, std::size_t row, std::size_t element,
              const std::string& output, double got, double expected, double exact,
              const BatchOrigin& origin) {
    if (!count_measurement(result_, m, options_.reproducers_per_check)) return;
    Violation v{result_.kernel->name(), m.check, *origin.family, origin.seed, origin.index, row,
                element, output, got, expected, exact, m.error, m.allowed, batch.n,
                batch.n > 0 ? batch.targets[row] : 0, {}, {}};
    if (batch.n <= kMaxLoggedRow) log_row(batch, row, v);
    result_.reproducers.push_back(std::move(v));
  }

  // The row's logits and the op's other per-element inputs, into the reproducer.
  void log_row(const Batch& batch, std::size_t row, Violation& v) const {
    v.logits.assign(batch.row(row).begin(), batch.row(row).end());
    for (Input input : kernel().op.spec().inputs) {
      if (!per_element(input) || input == Input::logits) continue;
      const auto values = batch.input_row(input, row);
      v.inputs.emplace_back(std::string(name(input)), std::vector<double>(values.begin(), values.end()));
    }
  }

  void check_row(const Batch& batch, const PackedBatch& out, std::size_t r,
                 const std::vector<reference::Exact>& expected, const RowFacts& facts,
                 const BatchOrigin& origin) {
    const auto row = batch.row(r);
    const double norm = output_norm(expected);
    for (std::size_t i = 0; i < batch.n; ++i) {
      const double got = packed_value(out, r, i);
      const ElementContext context = element_context(facts, row, i, norm);
      if (!result_.contract.special_values && !std::isfinite(expected[i].rounded)) continue;
      const Measurement m = measure(got, expected[i], batch.format, context);
      bias_.add(got, expected[i], m, numbers_ ? numbers_->element(r, i) : kNotCounted);
      record(m, batch, r, i, "out", got, expected[i].rounded, expected[i].exact_hi, origin);
    }
  }

  // Each finite reference within the op's element bound (element_bounds.hpp), the error in
  // units of the bound; the others as check_row holds them (the special-value table).
  // Error: |got - exact| / allowance (NaN got: +inf), pass at most 1; a flushed subnormal
  // passes as declared when the contract sets flush_subnormals.
  void check_bounded_row(const Batch& batch, const PackedBatch& out, std::size_t r,
                         const std::vector<reference::Exact>& expected, const RowFacts& facts,
                         const BatchOrigin& origin) {
    const std::vector<double> allowed =
        element_bound(kernel().op)(reference::row_inputs(batch, r), expected, batch.format);
    const auto row = batch.row(r);
    for (std::size_t i = 0; i < batch.n; ++i) {
      const double got = packed_value(out, r, i);
      Measurement m;
      if (std::isfinite(expected[i].rounded)) {
        const double apart = std::fabs((got - expected[i].exact_hi) - expected[i].exact_lo);
        const double error = std::isnan(apart) ? HUGE_VAL : apart / allowed[i];
        m = {Check::accuracy, error, 1.0, error <= 1.0};
        if (!m.pass && flushed_subnormal(got, expected[i], batch.format, result_.contract)) {
          m.pass = true;
          if (!result_.baseline.flush_subnormals) ++result_.declared[Check::accuracy];
        }
      } else {
        if (!result_.contract.special_values) continue;
        m = measure(got, expected[i], batch.format, element_context(facts, row, i));
      }
      // No bias statistics: these outputs are held to a normwise bound, not to roundings
      // of their exact values, so their errors in ulps lean with the row's cancellation.
      record(m, batch, r, i, "out", got, expected[i].rounded, expected[i].exact_hi, origin);
    }
  }

  // A zero where the exact value is below the smallest normal, allowed by flush_subnormals.
  static bool flushed_subnormal(double got, const reference::Exact& expected, Format format,
                                const Contract& contract) {
    return contract.flush_subnormals && got == 0.0 &&
           std::fabs(expected.exact_hi) < min_normal(format);
  }

  void check_scalar(const Batch& batch, const PackedBatch& values, std::size_t r,
                    const reference::Exact& expected, const RowFacts& facts,
                    const BatchOrigin& origin, const std::string& output) {
    if (!result_.contract.special_values && !std::isfinite(expected.rounded)) return;
    const double got = packed_value(values, r, 0);
    const ElementContext context = row_output_context(facts, batch.n);
    const Measurement m = measure(got, expected, batch.format, context);
    bias_.add(got, expected, m, numbers_ ? numbers_->value(r) : kNotCounted);
    record(m, batch, r, 0, output, got, expected.rounded, expected.exact_hi, origin);
  }

  // |sum of the kernel's softmax - 1|, summed exactly enough (double-double), in eps units.
  void check_sum(const Batch& batch, const PackedBatch& out, std::size_t r,
                 const std::vector<reference::Exact>& expected, const BatchOrigin& origin) {
    if (batch.n == 0) return;
    for (const auto& e : expected)
      if (!std::isfinite(e.rounded)) return;  // special rows have no sum to check
    double hi = -1.0, lo = 0.0;
    for (std::size_t i = 0; i < batch.n; ++i) {
      const double x = packed_value(out, r, i);
      const double s = hi + x;
      lo += fp::two_sum_error(x, hi, s);  // TwoSum: s + error == hi + x exactly
      hi = s;
    }
    const double deviation = std::fabs(hi + lo);
    const double error = std::isnan(deviation) ? HUGE_VAL : deviation / epsilon(batch.format);
    const double allowed = sum_allowance(result_.contract, batch);
    const Measurement m{Check::sum_to_one, error, allowed, error <= allowed};
    if (m.pass && error > sum_allowance(result_.baseline, batch)) ++result_.declared[m.check];
    record(m, batch, r, 0, "row", 1.0 + (hi + lo), 1.0, 1.0, origin);
  }

  // In units of eps: see Contract::sum_slack.
  static double sum_allowance(const Contract& c, const Batch& batch) {
    const double n = static_cast<double>(batch.n);
    return c.sum_slack + c.ulp_per_element * (n - 1) + c.ulp_per_gap * std::log(n) +
           n * c.subnormal_ulp * denorm_min(batch.format) / epsilon(batch.format);
  }

  // The behaviour checks (behaviour_checks.hpp), under the kernel's contract; a row that passes
  // only because of a declared property counts as declared, as in measure().
  void check_behaviour(Check check, const Batch& batch, const PackedBatch& out, std::size_t r,
                       const std::vector<reference::Exact>& expected, const BatchOrigin& origin) {
    got_.resize(batch.n);
    for (std::size_t i = 0; i < batch.n; ++i) got_[i] = packed_value(out, r, i);
    const std::span<const double> got(got_);
    const auto run = [&](bool strict) {
      const Contract& contract = strict ? result_.baseline : result_.contract;
      if (check == Check::descent) {
        const DescentPlans* plans = strict ? plans_.descent_baseline : plans_.descent;
        return plans ? check_descent(r, got, expected, (*plans)[r])
                     : check_descent(batch, r, got, expected, contract);
      }
      const RankingPlans* plans = strict ? plans_.ranking_baseline : plans_.ranking;
      return plans ? check_ranking(r, got, expected, (*plans)[r])
                   : check_ranking(batch, r, got, expected, contract);
    };
    const auto outcome = run(false);
    if (!outcome) return;
    if (outcome->measurement.pass && declares_) {
      const auto strict = run(true);
      if (strict && !strict->measurement.pass) ++result_.declared[check];
    }
    record_behaviour(*outcome, batch, origin);
  }

  // This batch's shared behaviour plans under the kernel's contract and under the strict
  // baseline (check_batch fetches them once; null for a batch too large to plan ahead).
  struct KernelPlans {
    const RankingPlans* ranking = nullptr;
    const RankingPlans* ranking_baseline = nullptr;
    const DescentPlans* descent = nullptr;
    const DescentPlans* descent_baseline = nullptr;
  };
  KernelPlans plans_;
  std::vector<double> got_;  // check_behaviour's row of outputs, reused from row to row
  // This batch's bias numbers of the kernel's references (check_batch sets them; null once
  // the kernel counts no more values).
  const ReferenceNumbers* numbers_ = nullptr;

  // Losses of consecutive rows: risk_order (behaviour_checks.hpp).
  void check_risk_order(const Batch& batch, const PackedBatch& loss,
                        const std::vector<reference::OpRow>& references, const BatchOrigin& origin) {
    if (batch.n == 0) return;
    std::vector<double> got(batch.rows);
    std::vector<reference::Exact> expected(batch.rows);
    for (std::size_t r = 0; r < batch.rows; ++r) {
      got[r] = packed_value(loss, r, 0);
      expected[r] = references[r].value;
    }
    const auto outcomes = softcheck::check_risk_order(batch, got, expected, result_.contract);
    for (const BehaviourOutcome& o : outcomes) record_behaviour(o, batch, origin);
    if (!declares_) return;
    std::set<std::size_t> violations;  // pairs, by their second row
    for (const BehaviourOutcome& o : outcomes)
      if (!o.measurement.pass) violations.insert(o.row);
    for (const auto& o : softcheck::check_risk_order(batch, got, expected, result_.baseline))
      if (!o.measurement.pass && violations.count(o.row) == 0)
        ++result_.declared[Check::risk_order];
  }

  void record_behaviour(const BehaviourOutcome& o, const Batch& batch, const BatchOrigin& origin) {
    const std::size_t kept = result_.reproducers.size();
    record(o.measurement, batch, o.row, o.element, o.output, o.got, o.expected, o.exact, origin);
    if (result_.reproducers.size() > kept) result_.reproducers.back().message = o.message;
  }

  // The same batch in place (out == x) against this call's out, when the contract declares
  // in_place (checks/in_place.hpp): per row, identical or an in_place violation.
  void check_in_place(const Batch& batch, const PackedBatch& out, const BatchOrigin& origin) {
    record_probe(probe_in_place(kernel(), result_.contract, batch, out), batch, origin);
  }

  // The same batch a second time (checks/repeat.hpp): per row, identical or a deterministic
  // violation.
  void check_repeat(const Batch& batch, const KernelBuffers& first, const BatchOrigin& origin) {
    record_probe(probe_repeat(kernel(), batch, first), batch, origin);
  }

  // Counts a probe's findings on this batch; a kept one's message names the call.
  void record_probe(const ProbeReport& report, const Batch& batch, const BatchOrigin& origin) {
    for (const ProbeFinding& f : report.findings) {
      const std::size_t kept = result_.reproducers.size();
      record({f.check, f.error, f.allowed, f.pass}, batch, f.row, f.element, f.output, f.got,
             f.expected, f.expected, origin);
      if (result_.reproducers.size() > kept)
        result_.reproducers.back().message = f.call + ": " + f.message;
    }
  }

  void check_padding(const Batch& batch, const PackedBatch& out, const PackedBatch& pristine,
                     std::size_t r, const BatchOrigin& origin) {
    const std::size_t width = traits(batch.format).storage_bytes;
    std::size_t touched = 0;
    for (std::size_t i = batch.n; i < out.stride; ++i) {
      const std::size_t offset = (r * out.stride + i) * width;
      if (std::memcmp(out.bytes.data() + offset, pristine.bytes.data() + offset, width) != 0)
        ++touched;
    }
    const Measurement m{Check::bounds, static_cast<double>(touched), 0.0, touched == 0};
    record(m, batch, r, batch.n, "padding", static_cast<double>(touched), 0.0, 0.0, origin);
  }

  KernelResult& result_;
  const GateOptions& options_;
  BiasAccumulator bias_;
  const std::vector<OutputCheck> checks_;  // the op's (op_checks.hpp)
  // The contract differs from the strict baseline: passes are also measured against the
  // baseline, to count those only a declared provider property allows.
  const bool declares_;
};

// The zero-size calls of one kernel (checks/zero_size.hpp), counted as the gate's other
// measurements into `part`; a finding that passes only because the contract declares
// empty_error counts as declared.
void record_zero_size(KernelResult& part, const ProbeReport& report, const GateOptions& options) {
  for (const ProbeFinding& f : report.findings) {
    const Measurement m{f.check, f.error, f.allowed, f.pass};
    if (f.declared) ++part.declared[f.check];
    if (!count_measurement(part, m, options.reproducers_per_check)) continue;
    part.reproducers.push_back({part.kernel->name(), f.check, kZeroSizeFamily, 0, 0, f.row,
                                f.element, f.output, f.got, f.expected, f.expected, f.error,
                                f.allowed, f.n, 0, {}, f.call + ": " + f.message});
  }
}

// The zero-size calls of the kernels at `positions`, in forked children (before the reference
// stage starts threads: see zero_size.hpp), as one part per kernel.
void probe_zero_size_calls(GateParts& run, const std::vector<std::size_t>& positions,
                           const GateOptions& options) {
  if (positions.empty()) return;
  std::vector<const Kernel*> kernels;
  std::vector<Contract> contracts;
  for (std::size_t k : positions) {
    kernels.push_back(run.kernels[k].kernel);
    contracts.push_back(run.kernels[k].contract);
  }
  if (options.progress)
    options.progress("gate: zero-size calls (" + std::to_string(kernels.size()) + " kernels)");
  const std::vector<ProbeReport> reports = probe_zero_size(kernels, contracts, options.probe_limit);
  for (std::size_t i = 0; i < reports.size(); ++i) {
    GatePart part{positions[i], GatePart::kZeroSizeUnit, run.kernels[positions[i]]};
    record_zero_size(part.result, reports[i], options);
    run.parts.push_back(std::move(part));
  }
}

}  // namespace

std::string_view name(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass: return "pass";
    case Verdict::fail: return "FAIL";
    case Verdict::expected_fail: return "xfail";
    case Verdict::unexpected_pass: return "XPASS";
  }
  return "?";
}

std::size_t KernelResult::violations() const {
  std::size_t total = 0;
  for (const auto& [check, stats] : checks) total += stats.violations;
  return total;
}

bool GateResult::ok() const {
  return std::all_of(kernels.begin(), kernels.end(), [](const KernelResult& k) {
    return k.verdict == Verdict::pass || k.verdict == Verdict::expected_fail;
  });
}

// Every wanted checker on one batch. The built-in kernels are reentrant (no state between
// calls but thread_local scratch), so their checkers share `threads` threads; every other
// kernel (a library's, a plugin's, a vector file's, which may keep global state or set a
// library's thread count) runs alone, on this thread, after them. Each checker keeps its own
// results, so they do not depend on the order.
void check_batch_on_threads(const std::vector<KernelChecker*>& wanted, const Batch& batch,
                            const BatchReferences& references, FamilyBiasNumberings& numberings,
                            const BatchOrigin& origin, unsigned threads) {
  std::vector<KernelChecker*> reentrant, alone;
  for (KernelChecker* checker : wanted)
    (checker->kernel().provider == "builtin" ? reentrant : alone).push_back(checker);
  BehaviourPlans plans(batch);
  std::vector<BehaviourRequest> requests;
  for (const KernelChecker* checker : wanted) checker->request_behaviour_plans(references, requests);
  plans.plan(requests, threads);
  std::vector<const Kernel*> counting;
  for (const KernelChecker* checker : wanted)
    if (checker->counts_bias()) counting.push_back(&checker->kernel());
  const BatchBiasNumbers bias_numbers(numberings, references, counting, batch.n, threads);
  parallel_for(reentrant.size(), threads, [&](std::size_t i) {
    reference::release_mpfr_caches_at_thread_exit();  // checks may round through MPFR
    reentrant[i]->check_batch(batch, references, plans, bias_numbers, origin);
  });
  for (KernelChecker* checker : alone)
    checker->check_batch(batch, references, plans, bias_numbers, origin);
}

namespace {

// One family in one format: its batches through the run's kernels of that format.
struct GateUnit {
  Format format;
  const Family* family;
  std::size_t family_index;  // from 0, in the run's families
  std::size_t family_count;  // in the run's families
  int order;                 // unit_order
};

// The unit's batches through the kernels at `positions` in run.kernels (all of its format),
// each kernel's findings as one part; the reference elements computed per batch (0 for a
// batch no kernel wanted) into `batch_elements`.
std::vector<GatePart> run_unit(const GateUnit& unit, const GateParts& run,
                               const std::vector<std::size_t>& positions,
                               const GateOptions& options,
                               const std::function<void(const std::string&)>& progress,
                               std::vector<std::size_t>& batch_elements) {
  std::vector<GatePart> parts;
  if (positions.empty()) return parts;
  for (std::size_t k : positions) parts.push_back({k, unit.order, run.kernels[k]});
  std::vector<KernelChecker> checkers;
  checkers.reserve(parts.size());
  for (GatePart& part : parts) checkers.emplace_back(part.result, options);
  const Family& family = *unit.family;
  progress("gate: " + std::string(name(unit.format)) + " family " +
           std::to_string(unit.family_index + 1) + "/" + std::to_string(unit.family_count) + " " +
           family.name + " (" + std::to_string(checkers.size()) + " kernels)");
  FamilyBiasNumberings numberings(unit.format);
  const std::uint64_t seed = family_seed(options.seed, family.name);
  std::vector<Batch> batches = family.generate(unit.format, options.suite, seed);
  batch_elements.assign(batches.size(), 0);
  for (std::size_t b = 0; b < batches.size(); ++b) {
    std::vector<KernelChecker*> wanted;
    std::vector<const Kernel*> wanted_kernels;
    for (KernelChecker& checker : checkers)
      if (!options.include_batch || options.include_batch(checker.kernel(), family.name, b)) {
        wanted.push_back(&checker);
        wanted_kernels.push_back(&checker.kernel());
      }
    if (wanted.empty()) continue;
    for (const Kernel* kernel : wanted_kernels) add_op_inputs(batches[b], kernel->op, seed, b);
    const BatchReferences references(batches[b], wanted_kernels, options.threads,
                                     options.mpfr_only);
    batch_elements[b] = batches[b].rows * batches[b].n;
    if (options.on_references) options.on_references(batches[b], b, references);
    const BatchOrigin origin{&family.name, seed, b};
    check_batch_on_threads(wanted, batches[b], references, numberings, origin, options.threads);
  }
  for (KernelChecker& checker : checkers) checker.finish_family(family.name);
  return parts;
}

// Every (format, family) with kernels to check, in unit_order.
std::vector<GateUnit> units_of(const std::vector<const Kernel*>& kernels,
                               const GateOptions& options) {
  const std::vector<Family>& list = options.families ? *options.families : families();
  std::vector<GateUnit> units;
  for (const Format format : kAllFormats) {
    const bool used = std::any_of(kernels.begin(), kernels.end(),
                                  [&](const Kernel* k) { return k->format == format; });
    if (!used) continue;
    for (std::size_t f = 0; f < list.size(); ++f)
      units.push_back({format, &list[f], f, list.size(), unit_order(format, f, list.size())});
  }
  return units;
}

// What each kernel checks on each unit, for the shard plan: per batch it runs on, its
// elements plus its rows (so that rows of n = 0 weigh something); the references, those of
// every batch some kernel runs on.
std::vector<UnitWork> work_of(const std::vector<GateUnit>& units,
                              const std::vector<const Kernel*>& kernels,
                              const GateOptions& options, unsigned threads = 1) {
  std::vector<UnitWork> work(units.size());
  parallel_for(units.size(), threads, [&](std::size_t u) {
    const GateUnit& unit = units[u];
    UnitWork& w = work[u];
    w.kernel_elements.assign(kernels.size(), 0);
    const Family& family = *unit.family;
    const auto batches =
        family.generate(unit.format, options.suite, family_seed(options.seed, family.name));
    for (std::size_t b = 0; b < batches.size(); ++b) {
      const std::size_t size = batches[b].rows * batches[b].n + batches[b].rows;
      bool any = false;
      for (std::size_t k = 0; k < kernels.size(); ++k) {
        const Kernel& kernel = *kernels[k];
        if (kernel.format != unit.format) continue;
        if (options.include_batch && !options.include_batch(kernel, family.name, b)) continue;
        w.kernel_elements[k] += size;
        any = true;
      }
      if (any) w.reference_elements += size;
    }
  });
  return work;
}

// The units in the order the parallel pass starts them: heaviest first by the shard plan's
// weight of the kernels at `positions` (so that one long unit, such as long-rows, does not
// start last and leave the other threads idle); ties keep unit order. The order changes no
// result: each unit's findings are its own.
std::vector<std::size_t> heaviest_first(const std::vector<UnitWork>& work,
                                        const std::vector<std::vector<std::size_t>>& positions) {
  std::vector<double> weight(work.size());
  for (std::size_t u = 0; u < work.size(); ++u) weight[u] = unit_weight(work[u], positions[u]);
  std::vector<std::size_t> order(work.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return weight[a] > weight[b]; });
  return order;
}

}  // namespace

ShardPlan plan_gate(const std::vector<const Kernel*>& kernels, const GateOptions& options) {
  return plan_shards(work_of(units_of(kernels, options), kernels, options), options.shard.count);
}

int unit_order(Format format, std::size_t family_index, std::size_t family_count) {
  const auto format_index =
      std::find(std::begin(kAllFormats), std::end(kAllFormats), format) - std::begin(kAllFormats);
  return static_cast<int>(static_cast<std::size_t>(format_index) * family_count + family_index);
}

int unit_order(Format format, std::size_t family_index) {
  return unit_order(format, family_index, families().size());
}

std::optional<int> unit_order(Format format, std::string_view family) {
  for (std::size_t f = 0; f < families().size(); ++f)
    if (families()[f].name == family) return unit_order(format, f);
  return std::nullopt;
}

GateParts run_gate_parts(const std::vector<const Kernel*>& kernels, const ContractSet& contracts,
                         const GateOptions& options) {
  GateParts run;
  run.seed = options.seed;
  run.suite = options.suite;
  const ContractSet strict = ContractSet::strict();
  for (const Kernel* kernel : kernels) {
    KernelResult k;
    k.kernel = kernel;
    k.contract = contracts.resolve(kernel->name());
    k.baseline = strict.resolve(kernel->name());
    run.kernels.push_back(std::move(k));
  }
  const std::vector<GateUnit> units = units_of(kernels, options);
  // Which (unit, kernel) this process checks: every one of its format, or its shard's share
  // (shard_plan.hpp); a kernel's zero-size calls go to shard (its position mod the count).
  std::vector<std::vector<bool>> mine(units.size(), std::vector<bool>(kernels.size(), false));
  // The units' work (every batch generated once more), for the shard plan and for the order
  // the parallel pass starts the units in; computed at most once. The plan's is computed on
  // this thread alone: the zero-size probes below fork, and must do so before threads start.
  std::vector<UnitWork> work;
  const auto unit_work = [&](unsigned threads) -> const std::vector<UnitWork>& {
    if (work.size() != units.size()) work = work_of(units, kernels, options, threads);
    return work;
  };
  const ShardPlan plan = options.shard.whole() ? ShardPlan{}
                        : options.plan       ? *options.plan
                                             : plan_shards(unit_work(1), options.shard.count);
  for (std::size_t u = 0; u < units.size(); ++u)
    for (std::size_t k = 0; k < kernels.size(); ++k)
      mine[u][k] = kernels[k]->format == units[u].format &&
                   (options.shard.whole() || plan.owner[u][k] == options.shard.index);
  if (options.probe_calls) {
    std::vector<std::size_t> probed;
    for (std::size_t k = 0; k < kernels.size(); ++k)
      if (k % options.shard.count == options.shard.index) probed.push_back(k);
    probe_zero_size_calls(run, probed, options);
  }

  // The built-in kernels' units run side by side on the run's threads, each unit's own loops
  // on its thread alone; the other kernels (a library's, a plugin's, a vector file's, which
  // may keep global state) then go through the units one at a time, each on the run's
  // threads. A kernel's results depend on no other kernel, so the parts are those of any other
  // order; a batch both passes compute counts once among the reference elements.
  std::mutex progress_mutex;
  const auto progress = [&](const std::string& line) {
    if (!options.progress) return;
    const std::lock_guard<std::mutex> lock(progress_mutex);
    options.progress(line);
  };
  const auto pass = [&](bool builtin, unsigned unit_threads) {
    std::vector<std::vector<std::size_t>> positions(units.size());
    bool any = false;
    for (std::size_t u = 0; u < units.size(); ++u)
      for (std::size_t k = 0; k < kernels.size(); ++k)
        if (mine[u][k] && (kernels[k]->provider == "builtin") == builtin) {
          positions[u].push_back(k);
          any = true;
        }
    if (!any) return;
    std::vector<std::vector<GatePart>> found(units.size());
    std::vector<std::vector<std::size_t>> elements(units.size());
    const std::vector<std::size_t> order =
        unit_threads > 1 ? heaviest_first(unit_work(unit_threads), positions)
                         : std::vector<std::size_t>{};
    parallel_for(units.size(), unit_threads, [&](std::size_t i) {
      const std::size_t u = order.empty() ? i : order[i];
      found[u] = run_unit(units[u], run, positions[u], options, progress, elements[u]);
    });
    for (std::size_t u = 0; u < units.size(); ++u) {
      if (positions[u].empty()) continue;
      std::vector<std::size_t>& total = run.batch_elements[units[u].order];
      total.resize(std::max(total.size(), elements[u].size()));
      for (std::size_t b = 0; b < elements[u].size(); ++b)
        total[b] = std::max(total[b], elements[u][b]);
      for (GatePart& part : found[u]) run.parts.push_back(std::move(part));
    }
  };
  pass(true, options.threads);
  pass(false, 1);
  return run;
}

GateResult run_gate(const std::vector<const Kernel*>& kernels, const ContractSet& contracts,
                    const GateOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  GateResult result = join_gate_parts(run_gate_parts(kernels, contracts, options),
                                      options.reproducers_per_check);
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace softcheck
