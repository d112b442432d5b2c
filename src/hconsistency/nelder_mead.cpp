#include "hconsistency/nelder_mead.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace softcheck::hconsistency {
namespace {

constexpr double kReflect = 1.0, kExpand = 2.0, kContract = 0.5, kShrink = 0.5;

std::vector<double> along(const std::vector<double>& centroid, const std::vector<double>& worst,
                          double coefficient) {
  std::vector<double> x(centroid.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = centroid[i] + coefficient * (centroid[i] - worst[i]);
  return x;
}

}  // namespace

Minimum nelder_mead(const std::function<double(const std::vector<double>&)>& f,
                    std::vector<double> start, double step, std::size_t max_evaluations,
                    double tolerance) {
  const std::size_t d = start.size();
  std::vector<std::vector<double>> points(d + 1, start);
  for (std::size_t i = 0; i < d; ++i) points[i + 1][i] += step;
  std::vector<double> values(d + 1);
  std::size_t evaluations = 0;
  const auto eval = [&](const std::vector<double>& x) {
    ++evaluations;
    const double v = f(x);
    return std::isnan(v) ? HUGE_VAL : v;
  };
  for (std::size_t i = 0; i <= d; ++i) values[i] = eval(points[i]);
  std::vector<std::size_t> order(d + 1);
  while (evaluations < max_evaluations) {
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    const std::size_t best = order[0], worst = order[d], second = order[d > 0 ? d - 1 : 0];
    if (std::abs(values[worst] - values[best]) <= tolerance) break;
    std::vector<double> centroid(d, 0.0);
    for (std::size_t k = 0; k < d; ++k)
      for (std::size_t i = 0; i < d; ++i) centroid[i] += points[order[k]][i] / static_cast<double>(d);
    const std::vector<double> reflected = along(centroid, points[worst], kReflect);
    const double fr = eval(reflected);
    if (fr < values[best]) {
      const std::vector<double> expanded = along(centroid, points[worst], kExpand);
      const double fe = eval(expanded);
      if (fe < fr) points[worst] = expanded, values[worst] = fe;
      else points[worst] = reflected, values[worst] = fr;
    } else if (fr < values[second]) {
      points[worst] = reflected, values[worst] = fr;
    } else {
      const bool outside = fr < values[worst];
      const std::vector<double> contracted =
          along(centroid, points[worst], outside ? kContract : -kContract);
      const double fc = eval(contracted);
      if (fc < (outside ? fr : values[worst])) {
        points[worst] = contracted, values[worst] = fc;
      } else {
        for (std::size_t k = 1; k <= d; ++k) {
          std::vector<double>& x = points[order[k]];
          for (std::size_t i = 0; i < d; ++i) x[i] = points[best][i] + kShrink * (x[i] - points[best][i]);
          values[order[k]] = eval(x);
        }
      }
    }
  }
  const std::size_t best = static_cast<std::size_t>(
      std::min_element(values.begin(), values.end()) - values.begin());
  return {points[best], values[best], evaluations};
}

}  // namespace softcheck::hconsistency
