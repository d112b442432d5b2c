#include "taylor_radius/line.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace softcheck::taylor_radius {

Line make_line(std::span<const double> z, std::span<const double> a) {
  if (z.size() != a.size())
    throw InvalidLine(std::to_string(z.size()) + " logits but " + std::to_string(a.size()) +
                      " directions");
  if (z.empty()) throw InvalidLine("no logits (need n >= 1)");
  Line line;
  for (std::size_t k = 0; k < z.size(); ++k) {
    if (std::isnan(z[k])) throw InvalidLine("logit " + std::to_string(k) + " is NaN");
    if (z[k] == INFINITY) throw InvalidLine("logit " + std::to_string(k) + " is +inf");
    if (!std::isfinite(a[k]))
      throw InvalidLine("direction " + std::to_string(k) + " is not finite");
    if (z[k] == -INFINITY) continue;  // masked class: its term is exactly zero
    line.z.push_back(z[k]);
    line.a.push_back(a[k]);
    line.source.push_back(k);
  }
  if (line.z.empty()) throw InvalidLine("every logit is -inf (F is identically zero)");
  line.z_max = *std::max_element(line.z.begin(), line.z.end());
  const auto [lo, hi] = std::minmax_element(line.a.begin(), line.a.end());
  line.a_min = *lo;
  line.a_max = *hi;
  line.centre = line.a_min / 2 + line.a_max / 2;  // halves first: no overflow
  return line;
}

}  // namespace softcheck::taylor_radius
