#include "taylor_radius/batch.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "taylor_radius/spread.hpp"

namespace softcheck::taylor_radius {
namespace {

template <typename T>
T batch_spread_impl(std::span<const T> a, std::size_t rows, std::size_t n) {
  if (a.size() != rows * n) throw std::invalid_argument("batch_spread_up: size is not rows * n");
  T worst = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const T s = spread_up(a.subspan(r * n, n));
    if (std::isnan(s)) return s;
    worst = s > worst ? s : worst;
  }
  return worst;
}

}  // namespace

double batch_spread_up(std::span<const double> a, std::size_t rows, std::size_t n) {
  return batch_spread_impl(a, rows, n);
}
float batch_spread_up(std::span<const float> a, std::size_t rows, std::size_t n) {
  return batch_spread_impl(a, rows, n);
}

double batch_rho_a(std::span<const double> a, std::size_t rows, std::size_t n) {
  return rho_a_from_spread(batch_spread_up(a, rows, n));
}
float batch_rho_a(std::span<const float> a, std::size_t rows, std::size_t n) {
  return rho_a_from_spread(batch_spread_up(a, rows, n));
}

double normalised_step(double tau, double rho_a) {
  if (std::isinf(rho_a)) return 0;
  if (rho_a == 0) return tau == 0 ? 0 : std::numeric_limits<double>::infinity();
  const double q = tau / rho_a;
  if (!std::isfinite(q) || q == 0) return q;
  const double remainder = std::fma(-q, rho_a, tau);  // tau - q rho_a, exact
  return remainder > 0 ? std::nextafter(q, std::numeric_limits<double>::infinity()) : q;
}

}  // namespace softcheck::taylor_radius
