// The exhaustive sweep of a 16-bit format (bf16, f16): every ordered pair of bit patterns as an
// n = 2 row (2^32 rows), and every pattern as a one-element row, through the gate's checks
// (checks/gate.hpp) under the kernels' contracts. Cross-entropy kernels (and every op with a
// target) take each row twice, with the target on either side.
//
// The pairs are split by the first logit's high byte into kPairShards shards of 2^24 rows, met
// in a scrambled order (256 batches of 65,536 rows, exhaustive_pair); the one-element rows are
// one more shard. Each shard is one gate run whose only family is that shard's rows, so the
// bias check tests each kernel once per shard. That check counts the first 32,768 distinct
// exact values it meets (rounding_bias.hpp): in the scrambled order they are a sample spread
// over the whole shard, where in the plain order (first logit by first logit) they came from
// its first two first logits, whose rounding errors lean alike. A shard's result is small:
// row counts, each check's counts and worst error, the first reproducers, and the outputs
// whose exact values lie closest to a rounding boundary of the format (the hardest cases).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checks/contract.hpp"
#include "checks/gate.hpp"

namespace softcheck {

inline constexpr std::size_t kPairShards = 256;        // by the first logit's high byte
inline constexpr std::size_t kPatterns = 65536;        // bit patterns of a 16-bit format
inline constexpr std::size_t kHardestPerShard = 16;    // hardest cases kept per output kind

// Shard `index` < kPairShards: the pairs whose first logit's high byte is `index`;
// kPairShards: the one-element rows.
std::string exhaustive_shard_name(std::size_t index);  // "pairs-0x3f", "singles"
std::optional<std::size_t> parse_exhaustive_shard(std::string_view name);

// The order rows are met in, part of a sweep's plan: shards met in another order hold another
// bias sample and are not merged with these.
inline constexpr std::string_view kExhaustiveRowOrder = "scramble24";

// A bijection of [0, 2^24) that spreads consecutive numbers over the whole range: xor-shifts
// and multiplications by odd constants (those of MurmurHash3's finaliser), each invertible
// modulo 2^24.
std::uint32_t scramble24(std::uint32_t x);
// Row r of batch b (each < 256 and 65,536) of pairs shard `index`: the bit patterns of its
// first and second logit, the first's high byte being `index`.
std::pair<std::uint16_t, std::uint16_t> exhaustive_pair(std::size_t index, std::size_t b,
                                                        std::size_t r);
inline constexpr std::size_t kSinglesShard = kPairShards;

// One output whose exact value lies close to a midpoint of the format's grid.
struct HardCase {
  std::string output;  // "softmax", "log_softmax", "logsumexp", "cross_entropy" (the loss), ...
  std::vector<std::uint16_t> logits;  // the row's bit patterns
  std::int64_t target = 0;
  std::size_t element = 0;  // in the row; 0 for a row output
  double exact_hi = 0.0, exact_lo = 0.0;  // the exact value, as the reference gives it
  double rounded = 0.0;                   // its correctly rounded value in the format
  double distance = 0.0;  // |exact - nearest midpoint| in ulps of the format (0 to 0.5)
};

struct ExhaustiveKernel {
  std::string kernel;
  std::size_t rows = 0;  // rows the kernel was called on (twice the logit rows with a target)
  KernelResult result;   // checks, declared passes and reproducers, as the gate counts them
};

struct ExhaustiveShard {
  Format format = Format::bf16;
  std::size_t index = 0;
  std::size_t rows = 0;  // distinct logit rows: 2^24 for a pairs shard, 2^16 for singles
  std::vector<ExhaustiveKernel> kernels;
  std::vector<HardCase> hardest;  // per output kind, the kHardestPerShard closest
  double seconds = 0.0;  // wall time
  // The process's CPU time over the shard, all threads: the shard's cost in core time, which
  // other work on the machine does not inflate as it does the wall time. Absent in shard files
  // written before it was recorded.
  std::optional<double> cpu_seconds;
};

struct ExhaustiveOptions {
  Format format = Format::bf16;
  unsigned threads = 2;
  std::function<void(const std::string&)> progress;  // optional, one line per stage
};

// Adds the gate pass of one target side (its kernels' parts, unjoined) to a shard's parts: the
// first pass (target 0, every kernel) sets the kernel list, a later one's kernels are found in
// it by identity, and each pass's unit is its target side, so the parts join in target order
// as one gate run's, and the bias check's union bound counts every family of the shard.
void add_target_pass(GateParts& shard, GateParts pass, int target);

// Shard `index` over `kernels` (all of options.format), each under contracts.resolve(name).
ExhaustiveShard run_exhaustive_shard(std::size_t index, const std::vector<const Kernel*>& kernels,
                                     const ContractSet& contracts, const ExhaustiveOptions& options);

// |x - nearest midpoint of the format's grid| in ulps of the format at x (x = hi + lo, finite,
// not on the grid); nothing for a value the format cannot hold or one it holds exactly.
std::optional<double> midpoint_distance(double hi, double lo, Format format);

// Whether x = hi + lo (|lo| at most half an ulp of hi, as a double-double's) may lie closer
// than `bar` ulps of the format to a midpoint of its grid: false only where
// midpoint_distance(hi, lo, format) is nothing or at least bar, decided from hi's bits alone
// (the sweep's hardest-case collector skips almost every output with it). Values in the
// format's subnormal range or beyond it, and formats of 53 bits, answer true (undecided).
bool may_be_near_midpoint(double hi, double bar, Format format);

// Keeps the `keep` cases of smallest distance (ties by kind, logits, target and element), each
// output (kind, row, target, element) once.
void keep_hardest(std::vector<HardCase>& cases, std::size_t keep);

}  // namespace softcheck
