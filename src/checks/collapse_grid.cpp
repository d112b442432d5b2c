#include "checks/collapse_grid.hpp"

#include <cmath>

namespace softcheck::collapse {

std::vector<double> gap_grid(Format format, double step, double end) {
  std::vector<double> gaps;
  for (double k = 0; k * step <= end; ++k)
    if (is_representable(k * step, format)) gaps.push_back(k * step);
  return gaps;
}

std::vector<double> geometric_gap_grid(Format format, int subdivisions, double end) {
  std::vector<double> gaps = {0.0};
  const double largest = max_finite(format);
  for (int k = 0; gaps.back() < end; ++k) {
    const double octave = std::ldexp(1.0, k);
    if (octave > largest) break;
    for (int i = 0; i < subdivisions && gaps.back() < end; ++i) {
      const double gap = octave * (1 + static_cast<double>(i) / subdivisions);
      if (gap <= largest && is_representable(gap, format)) gaps.push_back(gap);
    }
  }
  return gaps;
}

double grid_spacing(std::span<const double> gaps, std::size_t i) {
  return i == 0 ? 0.0 : gaps[i] - gaps[i - 1];
}

Crossing bisect_gap(Crossing crossing, Format format, const Predicate& holds, int max_steps) {
  for (int step = 0; step < max_steps; ++step) {
    // The midpoint rounded to the format: strictly inside unless the two are adjacent.
    const double middle =
        round_to_format(crossing.below + (crossing.at - crossing.below) / 2, format);
    if (middle <= crossing.below || middle >= crossing.at) break;
    (holds(middle) ? crossing.at : crossing.below) = middle;
  }
  return crossing;
}

}  // namespace softcheck::collapse
