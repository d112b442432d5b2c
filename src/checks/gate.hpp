// The gate: run the input families through the selected kernels, check every output against
// its correctly rounded reference under the kernel's contract, and collect a verdict per
// kernel with reproducers for the violations.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <string>
#include <vector>

#include "checks/contract.hpp"
#include "checks/element_check.hpp"
#include "checks/rounding_bias.hpp"
#include "checks/shard_plan.hpp"
#include "core/families.hpp"
#include "kernels/kernel.hpp"

namespace softcheck {

class BatchReferences;  // checks/batch_references.hpp

struct GateOptions {
  Suite suite = Suite::standard;
  std::uint64_t seed = 1;
  unsigned threads = 2;                 // references, and the built-in kernels' checks
  // Softmax family and StableMax: every reference row in MPFR, without the double-double
  // fast paths (reference/fast_row.hpp) - the same results, slower; their baseline.
  bool mpfr_only = false;
  std::size_t reproducers_per_check = 3;  // violations kept (and printed) per kernel and check
  std::function<void(const std::string&)> progress;  // optional, one line per stage
  // Optional: whether `kernel` runs on batch `batch_index` of `family` (unset: every batch).
  // A batch no kernel wants gets no reference; skipped batches count nowhere (vector files).
  std::function<bool(const Kernel& kernel, const std::string& family, std::size_t batch_index)>
      include_batch;
  // Call each kernel with zero rows and with rows of n = 0 first, isolated (checks/zero_size.hpp),
  // and each kernel whose contract declares in_place in place on every batch as well
  // (checks/in_place.hpp). Off for kernels that replay stored outputs (vector files).
  bool probe_calls = true;
  std::chrono::milliseconds probe_limit{5000};  // per zero-size call
  // Call each row kernel a second time on every batch and require the same bits
  // (checks/repeat.hpp: Check::deterministic). Off for vector files (stored outputs).
  bool run_twice = false;
  // This process's share of the run (checks/shard_plan.hpp): the whole run by default.
  ShardSpec shard{};
  // The run's plan_gate() when the caller has it already (it generates every batch once);
  // null: computed where needed.
  const ShardPlan* plan = nullptr;
  // The input families (default: families()). A sharded run's files name families(), so a run
  // with other families is not sharded.
  const std::vector<Family>* families = nullptr;
  // Optional: called with each batch's references once they are computed, before the checks
  // (the exhaustive sweep reads them for its hardest cases).
  std::function<void(const Batch& batch, std::size_t batch_index, const BatchReferences& references)>
      on_references;
};

// The family name of the zero-size calls' findings (they belong to no input family).
inline constexpr char kZeroSizeFamily[] = "zero-size";

struct CheckStats {
  std::size_t elements = 0;    // measurements: elements, rows, pairs, calls; bias: families
  std::size_t violations = 0;
  double worst_error = 0.0;    // in the check's unit
  double worst_allowed = 0.0;  // the allowance at the worst element
  std::size_t kept = 0;        // violations kept in KernelResult::reproducers
};

// Everything needed to replay one violation.
struct Violation {
  std::string kernel;
  Check check;
  std::string family;
  std::uint64_t family_seed;
  std::size_t batch;    // index of the batch within the family
  std::size_t row;
  std::size_t element;  // index in the row; for row outputs (logsumexp, loss) the string says
  std::string output;   // "out", "loss" (cross-entropy), "row" (sum_to_one)
  double got;
  double expected;      // correctly rounded reference (NaN for sum_to_one: expected 1)
  double exact;         // nearest double to the exact value
  double error;
  double allowed;
  std::size_t n;
  std::int64_t target;
  std::vector<double> logits;  // the row, when n <= kMaxLoggedRow
  std::string message;         // crash: what happened (signal, exit status, timeout); zero-size
                               // and in-place findings: the call ("rows=3, n=0: ...")
  // The op's other per-element inputs of the row (y, dy, ...), by name, when n <=
  // kMaxLoggedRow: what a reproducer needs besides the logits.
  std::vector<std::pair<std::string, std::vector<double>>> inputs{};
};
inline constexpr std::size_t kMaxLoggedRow = 32;

// The rounding-bias statistics of one family a kernel was tested on (checks/rounding_bias.hpp).
struct FamilyBias {
  std::string family;
  BiasStats stats;
  // Set once the run's tests are counted: the thresholds, and the measurement (the smaller
  // of |mean| / threshold for error and excess; above 1 flags the kernel).
  BiasThresholds thresholds{};
  double ratio = 0.0;
};

enum class Verdict { pass, fail, expected_fail, unexpected_pass };
std::string_view name(Verdict verdict);

struct KernelResult {
  const Kernel* kernel = nullptr;
  Contract contract;  // what the kernel is held to (strict defaults + declared properties)
  Contract baseline;  // the strict default contract (contracts/builtin.json) for this name
  // Per check, elements that pass only because of a property the provider declares (they
  // would be violations under the strict default contract).
  std::map<Check, std::size_t> declared;
  std::map<Check, CheckStats> checks;
  std::vector<Violation> reproducers;
  // Per family with values in at least kMinBiasRows rows, in the gate's order.
  std::vector<FamilyBias> bias;
  Verdict verdict = Verdict::pass;
  std::size_t violations() const;
};

struct GateResult {
  std::vector<KernelResult> kernels;
  std::uint64_t seed = 0;
  Suite suite = Suite::standard;
  std::size_t reference_elements = 0;
  double seconds = 0.0;
  bool ok() const;  // every verdict is pass or expected_fail
};

// A gate run before its results are joined: each kernel's share of each unit it was checked
// on (a unit is one family in one format: its batches through the run's kernels of that
// format), and of its zero-size calls. A sharded run (GateOptions::shard) holds its shard's
// parts; the parts of every shard of a run join into the whole run's result
// (checks/gate_merge.hpp), as the parts of an unsharded run do.
struct GatePart {
  std::size_t kernel = 0;  // position in GateParts::kernels
  int unit = kZeroSizeUnit;  // unit_order() of the unit, or kZeroSizeUnit
  KernelResult result;       // what this part found (kernel and contracts set)
  static constexpr int kZeroSizeUnit = -1;
};

struct GateParts {
  std::uint64_t seed = 0;
  Suite suite = Suite::standard;
  // Every kernel of the run with its contracts, nothing counted yet.
  std::vector<KernelResult> kernels;
  std::vector<GatePart> parts;
  // Reference elements computed, per unit (unit_order) and batch: a batch counts once however
  // many parts computed it.
  std::map<int, std::vector<std::size_t>> batch_elements;
};

// A unit's place in the run's order: formats in kAllFormats' order, then families in
// families()' order (or the run's own list of `family_count`). Nothing for a family name this
// version does not know.
int unit_order(Format format, std::size_t family_index, std::size_t family_count);
int unit_order(Format format, std::size_t family_index);
std::optional<int> unit_order(Format format, std::string_view family);

// How a sharded run (options.shard.count > 1) divides the work of these kernels
// (shard_plan.hpp): the same for every shard of the run.
ShardPlan plan_gate(const std::vector<const Kernel*>& kernels, const GateOptions& options);

// The parts of the run's (or with options.shard of one shard's) checks, unjoined.
GateParts run_gate_parts(const std::vector<const Kernel*>& kernels, const ContractSet& contracts,
                         const GateOptions& options);

// The whole run: run_gate_parts joined (gate_merge.hpp), with its time.
GateResult run_gate(const std::vector<const Kernel*>& kernels, const ContractSet& contracts,
                    const GateOptions& options);

}  // namespace softcheck
