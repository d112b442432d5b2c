#include "taylor_radius/taylor.hpp"

#include <arb_poly.h>

#include <stdexcept>

namespace softcheck::taylor_radius {
namespace {
}  // namespace

std::vector<Arb> line_loss_taylor(const Line& line, double a_y, std::size_t order, long prec) {
  const auto length = static_cast<slong>(order + 1);
  arb_poly_t g, log_g;
  arb_poly_init(g);
  arb_poly_init(log_g);
  arb_poly_fit_length(g, length);
  _arb_poly_set_length(g, length);
  for (slong j = 0; j < length; ++j) arb_zero(g->coeffs + j);
  Arb z_max(line.z_max), centre(line.centre), term, b;
  for (std::size_t k = 0; k < line.size(); ++k) {
    Arb z(line.z[k]), a(line.a[k]);
    arb_sub(term, z, z_max, kExactBits);
    arb_exp(term, term, prec);          // exp(d_k)
    arb_sub(b, a, centre, kExactBits);  // b_k, exact
    for (slong j = 0; j < length; ++j) {
      arb_add(g->coeffs + j, g->coeffs + j, term, prec);
      arb_mul(term, term, b, prec);
      arb_div_ui(term, term, static_cast<ulong>(j + 1), prec);  // exp(d_k) b_k^(j+1) / (j+1)!
    }
  }
  _arb_poly_normalise(g);
  arb_poly_log_series(log_g, g, length, prec);
  std::vector<Arb> c(order + 1);
  for (slong j = 0; j < length; ++j) arb_poly_get_coeff_arb(c[j], log_g, j);
  arb_add(c[0], c[0], z_max, prec);
  if (order >= 1) {
    Arb y(a_y);
    arb_add(c[1], c[1], centre, prec);
    arb_sub(c[1], c[1], y, prec);
  }
  arb_poly_clear(g);
  arb_poly_clear(log_g);
  return c;
}

Acb taylor_partial_sum(const std::vector<Arb>& coefficients, std::size_t order,
                       std::complex<double> t, long prec) {
  if (order >= coefficients.size()) throw std::out_of_range("taylor_partial_sum: order");
  Acb sum, x(t.real(), t.imag());
  for (std::size_t k = order + 1; k-- > 0;) {  // Horner
    acb_mul(sum, sum, x, prec);
    acb_add_arb(sum, sum, coefficients[k], prec);
  }
  return sum;
}

}  // namespace softcheck::taylor_radius
