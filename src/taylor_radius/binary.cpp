#include "taylor_radius/binary.hpp"

#include <cmath>
#include <limits>
#include <numbers>

namespace softcheck::taylor_radius {

double binary_radius(double z1, double z2, double a1, double a2) {
  const double spread = std::fabs(a1 - a2);
  if (spread == 0) return std::numeric_limits<double>::infinity();
  return std::hypot(z1 - z2, std::numbers::pi) / spread;
}

}  // namespace softcheck::taylor_radius
