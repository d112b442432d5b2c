// Double-precision search for zeros of F (no proof: every zero used in a result is then
// certified in Arb). F is evaluated as sum_k exp(d_k + b_k t - M) with M the largest real
// part, so neither overflow nor underflow hides the zeros.
#pragma once

#include <complex>
#include <optional>
#include <vector>

#include "taylor_radius/line.hpp"

namespace softcheck::taylor_radius {

using Complex = std::complex<double>;

class NumericLine {
 public:
  explicit NumericLine(const Line& line);
  // G(t) e^-M and G'(t) e^-M for the M above (the ratio G / G' is exact of scaling).
  void evaluate(Complex t, Complex& g, Complex& g1) const;
  // Newton's method from t0; the zero it converges to (relative step < 1e-11), if any.
  std::optional<Complex> newton(Complex t0) const;
  // The zero nearest the origin among those Newton reaches from a set of starting points:
  // the two-class zeros of each edge of the Newton polygon of (b_k, d_k) (m = 0 .. edge_m)
  // and a polar grid of `rings` x `rays` points in the upper half disc of radius max_radius.
  // Zeros come in conjugate pairs; the one returned has Im t >= 0.
  std::vector<Complex> zeros(double max_radius, int edge_m, int rings, int rays) const;
  double spread() const { return spread_; }

 private:
  std::vector<double> d_, b_;
  double spread_;
};

}  // namespace softcheck::taylor_radius
