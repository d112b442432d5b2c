// Sharding a gate run: see shard_plan.hpp.
#include "checks/shard_plan.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace softcheck {
namespace {

// Some of one unit's kernels, checked on it in one shard.
struct Block {
  std::size_t unit;
  std::vector<std::size_t> kernels;
  double weight;
};

std::optional<std::size_t> parse_count(std::string_view text) {
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

double kernel_weight(const UnitWork& unit, const std::vector<std::size_t>& kernels) {
  double sum = 0;
  for (std::size_t k : kernels) sum += static_cast<double>(unit.kernel_elements[k]);
  return sum;
}

// The unit's kernels in one block, or in `chunks` contiguous blocks of about equal kernel
// weight.
void add_blocks(std::size_t u, const UnitWork& unit, double share, std::vector<Block>& blocks) {
  std::vector<std::size_t> kernels;
  for (std::size_t k = 0; k < unit.kernel_elements.size(); ++k)
    if (unit.kernel_elements[k] > 0) kernels.push_back(k);
  if (kernels.empty()) return;
  const double references = kReferenceWeight * static_cast<double>(unit.reference_elements);
  const double checks = kernel_weight(unit, kernels);
  const double weight = checks + references;
  const std::size_t chunks =
      share > 0 ? std::min(kernels.size(), static_cast<std::size_t>(std::ceil(weight / share)))
                : 1;
  if (chunks <= 1) {
    blocks.push_back({u, kernels, weight});
    return;
  }
  Block block{u, {}, references};
  double done = 0;
  std::size_t made = 0;
  for (std::size_t i = 0; i < kernels.size(); ++i) {
    const double w = static_cast<double>(unit.kernel_elements[kernels[i]]);
    block.kernels.push_back(kernels[i]);
    block.weight += w;
    done += w;
    const bool last = i + 1 == kernels.size();
    const bool full = done >= checks * static_cast<double>(made + 1) / static_cast<double>(chunks);
    if (last || (full && made + 1 < chunks)) {
      blocks.push_back(block);
      block = {u, {}, references};
      ++made;
    }
  }
}

}  // namespace

std::optional<ShardSpec> parse_shard(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto k = parse_count(text.substr(0, slash));
  const auto n = parse_count(text.substr(slash + 1));
  if (!k || !n || *k < 1 || *k > *n) return std::nullopt;
  return ShardSpec{*k - 1, *n};
}

std::string shard_text(const ShardSpec& shard) {
  return std::to_string(shard.index + 1) + "/" + std::to_string(shard.count);
}

std::size_t ShardPlan::lightest() const {
  std::size_t best = 0;
  for (std::size_t s = 0; s < load.size(); ++s)
    if (load[s] <= load[best]) best = s;
  return best;
}

double unit_weight(const UnitWork& unit, const std::vector<std::size_t>& kernels) {
  const double checks = kernel_weight(unit, kernels);
  return checks > 0 ? checks + kReferenceWeight * static_cast<double>(unit.reference_elements) : 0;
}

ShardPlan plan_shards(const std::vector<UnitWork>& units, std::size_t count) {
  ShardPlan plan;
  count = std::max<std::size_t>(count, 1);
  plan.load.assign(count, 0.0);
  double total = 0;
  for (const UnitWork& unit : units) {
    plan.owner.emplace_back(unit.kernel_elements.size(), 0);
    std::vector<std::size_t> all(unit.kernel_elements.size());
    for (std::size_t k = 0; k < all.size(); ++k) all[k] = k;
    total += unit_weight(unit, all);
  }
  std::vector<Block> blocks;
  const double share = total / static_cast<double>(count);
  for (std::size_t u = 0; u < units.size(); ++u) add_blocks(u, units[u], share, blocks);
  std::stable_sort(blocks.begin(), blocks.end(),
                   [](const Block& a, const Block& b) { return a.weight > b.weight; });
  for (const Block& block : blocks) {
    const std::size_t shard = static_cast<std::size_t>(
        std::min_element(plan.load.begin(), plan.load.end()) - plan.load.begin());
    plan.load[shard] += block.weight;
    for (std::size_t k : block.kernels) plan.owner[block.unit][k] = shard;
  }
  return plan;
}

}  // namespace softcheck
