#include "taylor_radius/numeric.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace softcheck::taylor_radius {
namespace {

constexpr int kNewtonIterations = 80;
constexpr double kConverged = 1e-11;  // relative Newton step that counts as converged (Arb refines)
constexpr double kSame = 1e-9;        // relative distance under which two zeros are one

// Upper hull of the points (b_k, d_k) sorted by b: the terms that dominate for some real t.
std::vector<std::size_t> upper_hull(const std::vector<double>& b, const std::vector<double>& d) {
  std::vector<std::size_t> order(b.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {
    return b[i] != b[j] ? b[i] < b[j] : d[i] > d[j];
  });
  std::vector<std::size_t> hull;
  for (const std::size_t k : order) {
    if (!hull.empty() && b[hull.back()] == b[k]) continue;  // same slope, lower: never on top
    while (hull.size() >= 2) {
      const std::size_t i = hull[hull.size() - 2], j = hull.back();
      // j is under the chord i-k: drop it
      if ((d[j] - d[i]) * (b[k] - b[i]) <= (d[k] - d[i]) * (b[j] - b[i])) hull.pop_back();
      else break;
    }
    hull.push_back(k);
  }
  return hull;
}

}  // namespace

NumericLine::NumericLine(const Line& line) : spread_(line.a_max - line.a_min) {
  for (std::size_t k = 0; k < line.size(); ++k) {
    d_.push_back(line.d(k));
    b_.push_back(line.b(k));
  }
}

void NumericLine::evaluate(Complex t, Complex& g, Complex& g1) const {
  double m = -INFINITY;
  for (std::size_t k = 0; k < d_.size(); ++k) m = std::max(m, d_[k] + b_[k] * t.real());
  g = g1 = 0;
  for (std::size_t k = 0; k < d_.size(); ++k) {
    const Complex e = std::exp(Complex(d_[k] - m + b_[k] * t.real(), b_[k] * t.imag()));
    g += e;
    g1 += b_[k] * e;
  }
}

std::optional<Complex> NumericLine::newton(Complex t) const {
  const double step_limit = std::numbers::pi / spread_;  // at most rho_a per step
  for (int i = 0; i < kNewtonIterations; ++i) {
    Complex g, g1;
    evaluate(t, g, g1);
    if (g1 == Complex(0) || !std::isfinite(std::abs(g1))) return std::nullopt;
    Complex step = g / g1;
    if (!std::isfinite(std::abs(step))) return std::nullopt;
    if (std::abs(step) > step_limit) step *= step_limit / std::abs(step);
    t -= step;
    if (std::abs(step) <= kConverged * std::max(std::abs(t), step_limit)) {
      return t.imag() < 0 ? std::conj(t) : t;
    }
  }
  return std::nullopt;
}

std::vector<Complex> NumericLine::zeros(double max_radius, int edge_m, int rings, int rays) const {
  std::vector<Complex> starts;
  const auto hull = upper_hull(b_, d_);
  for (std::size_t h = 0; h + 1 < hull.size(); ++h) {
    const std::size_t i = hull[h], j = hull[h + 1];
    for (int m = 0; m <= edge_m; ++m)  // e^((b_j - b_i) t) = -e^(d_i - d_j)
      starts.push_back(Complex(d_[i] - d_[j], std::numbers::pi * (2 * m + 1)) / (b_[j] - b_[i]));
  }
  const double rho = std::numbers::pi / spread_;
  for (int r = 1; r <= rings; ++r) {
    const double radius = rho + (max_radius - rho) * r / rings;
    for (int k = 0; k < rays; ++k)
      starts.push_back(std::polar(radius, std::numbers::pi * (k + 0.5) / rays));
  }
  std::vector<Complex> found;
  for (const Complex& s : starts) {
    const auto z = newton(s);
    if (!z) continue;
    const bool seen = std::any_of(found.begin(), found.end(), [&](const Complex& f) {
      return std::abs(f - *z) <= kSame * std::max(std::abs(f), rho);
    });
    if (!seen) found.push_back(*z);
  }
  std::sort(found.begin(), found.end(),
            [](const Complex& x, const Complex& y) { return std::abs(x) < std::abs(y); });
  return found;
}

}  // namespace softcheck::taylor_radius
