#include "taylor_radius/exact_line.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace softcheck::taylor_radius {
namespace {

// Enough bits to hold the difference of any two doubles exactly (exponents 2^-1074..2^1023).

// A term is skipped when the upper bound of its exponent's real part is below
// -(prec ln 2 + kSkipMargin): its modulus is then under 2^-prec e^-30 relative to the
// normalising term, which is exactly 1.
constexpr double kSkipMargin = 30;

// Relative slack for the rounded-double bound on a skipped term's exponent: the doubles used
// are within a few ulps (1e-16 relative) of the exact values, so 1e-9 is a wide margin.
constexpr double kSlack = 1e-9;

constexpr double kTiny = std::numeric_limits<double>::denorm_min();

}  // namespace

ExactLine::ExactLine(const Line& line) : d_(line.size()), b_(line.size()) {
  Arb z_max(line.z_max), centre(line.centre);
  for (std::size_t k = 0; k < line.size(); ++k) {
    Arb z(line.z[k]), a(line.a[k]);
    arb_sub(d_[k], z, z_max, kExactBits);
    arb_sub(b_[k], a, centre, kExactBits);
    d_rounded_.push_back(d_[k].mid());
    b_rounded_.push_back(b_[k].mid());
  }
}

std::size_t ExactLine::dominant(double x) const {
  std::size_t best = 0;
  double best_value = -INFINITY;
  for (std::size_t k = 0; k < size(); ++k) {
    const double v = d_rounded_[k] + b_rounded_[k] * x;
    if (v > best_value) best_value = v, best = k;
  }
  return best;
}

std::size_t ExactLine::evaluate(acb_ptr g, acb_ptr g1, acb_srcptr t, std::size_t p,
                                slong prec) const {
  const double cutoff = static_cast<double>(prec) * M_LN2 + kSkipMargin;
  const double x = arf_get_d(arb_midref(acb_realref(t)), ARF_RND_NEAR);
  const double x_radius = mag_get_d(arb_radref(acb_realref(t)));  // an upper bound
  acb_zero(g);
  if (g1) acb_zero(g1);
  Arb dd, db;
  Acb u, e;
  double skipped = 0, skipped_derivative = 0;  // bounds on the skipped terms' moduli
  std::size_t evaluated = 0;
  for (std::size_t k = 0; k < size(); ++k) {
    const double delta_d = d_rounded_[k] - d_rounded_[p];
    const double delta_b = b_rounded_[k] - b_rounded_[p];
    const double exponent = delta_d + delta_b * x;
    const double slack = kSlack * (std::fabs(d_rounded_[k]) + std::fabs(d_rounded_[p]) +
                                   (std::fabs(b_rounded_[k]) + std::fabs(b_rounded_[p])) *
                                       (std::fabs(x) + x_radius)) +
                         std::fabs(delta_b) * x_radius * (1 + kSlack) + 1;
    if (std::isfinite(exponent) && std::isfinite(slack) && exponent + slack < -cutoff) {
      // exp may underflow to 0: the smallest subnormal keeps the bound an upper bound.
      const double bound = std::max(std::exp(exponent + slack), kTiny);
      skipped += bound;
      const double factor =
          std::fabs(delta_b) + kSlack * (std::fabs(b_rounded_[k]) + std::fabs(b_rounded_[p]));
      skipped_derivative += std::max(bound * factor * (1 + kSlack), kTiny);
      continue;
    }
    arb_sub(dd, d_[k], d_[p], prec);
    arb_sub(db, b_[k], b_[p], prec);
    acb_mul_arb(u, t, db, prec);
    acb_add_arb(u, u, dd, prec);
    acb_exp(e, u, prec);
    acb_add(g, g, e, prec);
    if (g1) {
      acb_mul_arb(e, e, db, prec);
      acb_add(g1, g1, e, prec);
    }
    ++evaluated;
  }
  if (skipped > 0) {
    mag_t m;
    mag_init(m);
    mag_set_d(m, skipped * (1 + kSlack));
    acb_add_error_mag(g, m);
    if (g1) {
      mag_set_d(m, skipped_derivative * (1 + kSlack));
      acb_add_error_mag(g1, m);
    }
    mag_clear(m);
  }
  return evaluated;
}

}  // namespace softcheck::taylor_radius
