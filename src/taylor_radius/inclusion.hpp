// Certified isolation of one zero of F: Newton refinement in Arb, then the interval Newton
// test (proofs/ghosts-certified-radius.md, section 5). For a rectangle D around t0, if
//   N = t0 - G_p(t0) / G_p'(D)
// lies in D and G_p'(D) excludes 0, then D holds exactly one zero of F, and it lies in N.
#pragma once

#include <complex>
#include <optional>

#include "taylor_radius/arb_handles.hpp"
#include "taylor_radius/exact_line.hpp"

namespace softcheck::taylor_radius {

struct ZeroBall {
  Acb ball;              // contains the zero
  std::complex<double> centre;
  double error = 0;      // every point of the ball is within `error` of centre (rounded up)
};

// Refine t0 by Newton's method at `prec` bits, then certify. Empty when the test fails
// (t0 not near a simple zero).
std::optional<ZeroBall> include_zero(const ExactLine& line, std::complex<double> t0, slong prec,
                                     std::size_t& evaluations);

}  // namespace softcheck::taylor_radius
