// Taylor coefficients at t = 0 of the line loss L(t) = -a_y t + log F(t), computed exactly in
// Arb: the series of G(t) = sum_k exp(d_k) exp(b_k t), g_j = sum_k exp(d_k) b_k^j / j!, then
// Arb's power-series logarithm, then log F = z_max + c t + log G. Their growth is set by the
// nearest zero of F (Cauchy-Hadamard): limsup |c_k|^(1/k) = 1 / rho*.
#pragma once

#include <complex>
#include <cstddef>
#include <vector>

#include "taylor_radius/arb_handles.hpp"
#include "taylor_radius/line.hpp"

namespace softcheck::taylor_radius {

// c_0 .. c_order, each a ball at `prec` bits (the radius is part of the answer: a caller can
// check it is small). a_y is the target's direction (use 0 for the log-partition alone).
std::vector<Arb> line_loss_taylor(const Line& line, double a_y, std::size_t order, long prec);

// sum_{k <= order} c_k t^k (order < coefficients.size()), as a ball.
Acb taylor_partial_sum(const std::vector<Arb>& coefficients, std::size_t order,
                       std::complex<double> t, long prec);

}  // namespace softcheck::taylor_radius
