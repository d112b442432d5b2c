#include "checks/collapse_rows.hpp"

#include <algorithm>
#include <cmath>

#include "core/rng.hpp"

namespace softcheck::collapse {

std::string_view name(Layout layout) { return layout == Layout::zeros ? "zeros" : "spread"; }

std::optional<Layout> parse_layout(std::string_view text) {
  for (Layout layout : {Layout::zeros, Layout::spread})
    if (name(layout) == text) return layout;
  return std::nullopt;
}

std::string_view name(TargetPosition position) {
  return position == TargetPosition::first ? "first" : "last";
}

std::optional<TargetPosition> parse_target_position(std::string_view text) {
  for (TargetPosition position : {TargetPosition::first, TargetPosition::last})
    if (name(position) == text) return position;
  return std::nullopt;
}

std::size_t target_index(TargetPosition position, std::size_t n) {
  return position == TargetPosition::first || n == 0 ? 0 : n - 1;
}

std::vector<double> make_competitors(Layout layout, std::size_t n, Format format,
                                     std::uint64_t seed) {
  std::vector<double> competitors(n - 1, 0.0);
  if (layout == Layout::spread) {
    Rng rng(seed);
    for (double& c : competitors) c = round_to_format(rng.uniform(-1.0, 0.0), format);
  }
  return competitors;
}

std::vector<double> make_row(double gap, std::span<const double> competitors, std::size_t target) {
  std::vector<double> row(competitors.begin(), competitors.end());
  row.insert(row.begin() + static_cast<std::ptrdiff_t>(target), gap);
  return row;
}

Batch make_batch(Format format, std::span<const double> gaps, std::span<const double> competitors,
                 std::size_t target) {
  Batch batch;
  batch.format = format;
  batch.rows = gaps.size();
  batch.n = competitors.size() + 1;
  batch.values.reserve(batch.rows * batch.n);
  for (double gap : gaps) {
    const std::vector<double> row = make_row(gap, competitors, target);
    batch.values.insert(batch.values.end(), row.begin(), row.end());
  }
  batch.targets.assign(batch.rows, static_cast<std::int64_t>(target));
  return batch;
}

}  // namespace softcheck::collapse
