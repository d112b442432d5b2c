// The batch bound rho_a = pi / max over samples of Delta_a(x; v), and the normalised step
// r = tau / rho_a that the safe-step theory compares with 1.
#pragma once

#include <cstddef>
#include <span>

namespace softcheck::taylor_radius {

// The largest per-row spread (rounded up) of a row-major rows x n matrix of directional
// derivatives; one pass over memory. NaN if any value is NaN.
double batch_spread_up(std::span<const double> a, std::size_t rows, std::size_t n);
float batch_spread_up(std::span<const float> a, std::size_t rows, std::size_t n);

// pi / batch_spread_up, rounded down: a lower bound on every row's Taylor radius.
double batch_rho_a(std::span<const double> a, std::size_t rows, std::size_t n);
float batch_rho_a(std::span<const float> a, std::size_t rows, std::size_t n);

// r = tau / rho_a (tau >= 0). Rounded up, so r < 1 is a safe verdict; 0 when rho_a is
// infinite, +inf when rho_a is 0.
double normalised_step(double tau, double rho_a);

}  // namespace softcheck::taylor_radius
