// Sharding a gate run: a deterministic partition of its work into N shards, each run as its
// own process (a CI matrix job, a Bazel test shard, a Slurm array task), that together check
// exactly what one unsharded run checks. The work is split at (kernel, unit) granularity - a
// unit being one family in one format - and never inside a family: the rounding-bias check
// counts each distinct exact value once per kernel and family (checks/rounding_bias.hpp), so a
// family's batches stay together. The parts of every shard join into the unsharded result
// (checks/gate_merge.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace softcheck {

struct ShardSpec {
  std::size_t index = 0;  // from 0
  std::size_t count = 1;
  bool whole() const { return count == 1; }
  bool operator==(const ShardSpec&) const = default;
};

// "K/N" with 1 <= K <= N (shard K of N, ShardSpec::index K - 1); nothing when malformed.
std::optional<ShardSpec> parse_shard(std::string_view text);
// "K/N" (1-based K).
std::string shard_text(const ShardSpec& shard);

// A reference element costs about this many checked kernel elements: the weight a unit's
// references add to each block of its kernels (a heuristic for balance only; any weight gives
// the same results).
inline constexpr double kReferenceWeight = 2.0;

// The work of one unit: per kernel of the run (by position), the elements it checks there
// (0: the kernel does not run on this unit), and the elements whose references it computes.
struct UnitWork {
  std::vector<std::size_t> kernel_elements;
  std::size_t reference_elements = 0;
};

// The weight of checking the kernels at `kernels` (positions) on one unit: their elements
// plus kReferenceWeight per reference element (0 when none of them runs there).
double unit_weight(const UnitWork& unit, const std::vector<std::size_t>& kernels);

struct ShardPlan {
  // owner[u][k]: the shard that checks kernel k on unit u (where kernel_elements > 0).
  std::vector<std::vector<std::size_t>> owner;
  std::vector<double> load;  // per shard: its kernels' elements plus its references' weight
  // The shard with the least load (the last of equals): where work not split by units goes.
  std::size_t lightest() const;
};

// Each unit is one block of its kernels, or when heavier than a shard's share (the total over
// `count`) contiguous chunks of its kernels, each chunk computing the unit's references again.
// The blocks go, heaviest first (earlier first among equals), to the shard with the least load
// so far (the first of equals): the longest-processing-time rule.
ShardPlan plan_shards(const std::vector<UnitWork>& units, std::size_t count);

}  // namespace softcheck
