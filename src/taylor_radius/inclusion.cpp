#include "taylor_radius/inclusion.hpp"

#include <cmath>

namespace softcheck::taylor_radius {
namespace {

constexpr int kNewtonSteps = 12;  // from double accuracy, quadratic convergence: plenty
// Trial half-widths of D, relative to |t0|: the first fits a zero refined to ~prec bits, the
// later ones give room when Newton stalls early (ill-conditioned zeros).
constexpr double kWidths[] = {1e-20, 1e-14, 1e-10};

void midpoint(acb_ptr t) {
  mag_zero(arb_radref(acb_realref(t)));
  mag_zero(arb_radref(acb_imagref(t)));
}

}  // namespace

std::optional<ZeroBall> include_zero(const ExactLine& line, std::complex<double> t0, slong prec,
                                     std::size_t& evaluations) {
  Acb t(t0.real(), t0.imag()), g, g1, step;
  for (int i = 0; i < kNewtonSteps; ++i) {
    const std::size_t p = line.dominant(t.mid().real());
    evaluations += line.evaluate(g, g1, t, p, prec);
    if (acb_contains_zero(g1)) break;
    acb_div(step, g, g1, prec);
    acb_sub(t, t, step, prec);
    midpoint(t);
    if (!acb_is_finite(t)) return std::nullopt;
  }
  const std::complex<double> centre = t.mid();
  const double scale = std::abs(centre);
  const std::size_t p = line.dominant(centre.real());
  Acb d, derivative, n;
  evaluations += line.evaluate(g, nullptr, t, p, prec);
  for (const double width : kWidths) {
    acb_set(d, t);
    mag_t m;
    mag_init(m);
    mag_set_d(m, width * scale);
    acb_add_error_mag(d, m);
    mag_clear(m);
    evaluations += line.evaluate(step, derivative, d, p, prec);
    if (acb_contains_zero(derivative)) continue;
    acb_div(n, g, derivative, prec);
    acb_sub(n, t, n, prec);
    if (!acb_contains(d, n)) continue;
    ZeroBall zero;
    zero.ball = n;
    zero.centre = n.mid();
    Acb offset;
    Arb distance;
    acb_set_d_d(offset, zero.centre.real(), zero.centre.imag());
    acb_sub(offset, n, offset, prec);
    acb_abs(distance, offset, prec);
    zero.error = distance.upper();
    return zero;
  }
  return std::nullopt;
}

}  // namespace softcheck::taylor_radius
