// The confident rows of the softmax-collapse sweep (collapse.hpp): the target logit is a gap
// g >= 0 and the n - 1 competitors lie in [-1, 0], so the target is the row's maximum and
// the exact loss and |target gradient| decrease strictly with g, for softmax and StableMax
// cross-entropy alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/batch.hpp"
#include "core/format.hpp"

namespace softcheck::collapse {

enum class Layout {
  zeros,   // every competitor 0: S = n - 1
  spread,  // competitors uniform in [-1, 0), seeded, rounded to the format
};
std::string_view name(Layout layout);
std::optional<Layout> parse_layout(std::string_view text);

enum class TargetPosition { first, last };
std::string_view name(TargetPosition position);
std::optional<TargetPosition> parse_target_position(std::string_view text);
std::size_t target_index(TargetPosition position, std::size_t n);

// The n - 1 competitor logits, each representable in `format`. Spread draws from Rng(seed),
// so a seed gives the same first competitors for every n.
std::vector<double> make_competitors(Layout layout, std::size_t n, Format format,
                                     std::uint64_t seed);

// One row: logit `gap` at `target`, the competitors in order in the other places.
std::vector<double> make_row(double gap, std::span<const double> competitors, std::size_t target);

// One row per gap, all with the same competitors and target.
Batch make_batch(Format format, std::span<const double> gaps, std::span<const double> competitors,
                 std::size_t target);

}  // namespace softcheck::collapse
