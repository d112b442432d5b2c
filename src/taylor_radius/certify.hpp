// The exact Taylor radius rho* of the line loss, certified: an interval [lo, hi] of doubles
// that provably contains the modulus of the zero of F(t) = sum_k exp(z_k + a_k t) nearest 0
// (proofs/ghosts-certified-radius.md, section 6):
//   hi: |zero| for a zero isolated by the interval Newton test (inclusion.hpp);
//   lo: a radius R whose circle has winding number 0 (winding.hpp), so F has no zero in
//       |t| <= R; or rho_a = pi / Delta_a (always a zero-free radius) when that is as good.
#pragma once

#include <complex>
#include <span>
#include <string>
#include <vector>

#include "taylor_radius/line.hpp"

namespace softcheck::taylor_radius {

struct CertifyOptions {
  long precision = 64;  // bits of the ball arithmetic; a failed count is retried at twice this
  // The interval's target: hi / lo - 1 <= 1e-6 (the certified radius's stated precision); the zero-free
  // circle is drawn at |zero| (1 - kGap) with kGap = 2.5e-7, leaving room for rounding.
  double relative_width = 1e-6;
  std::size_t max_evaluations = 50'000'000;  // exponentials in Arb; then "uncertified"
  bool closed_form_for_two = true;           // two kept terms: use the exact formula
};

enum class RadiusStatus {
  certified,    // lo <= rho* <= hi, hi / lo - 1 <= relative_width
  infinite,     // F has no zero: fewer than two kept terms, or all directions equal
  uncertified,  // out of budget: lo <= rho* still holds (lo = rho_a), hi may be +inf
};

struct Ghost {
  std::complex<double> t;  // a zero of F lies within `error` of t (certified)
  double error = 0;
};

struct CertifiedRadius {
  RadiusStatus status = RadiusStatus::uncertified;
  double lo = 0, hi = 0;        // outward rounded
  double rho_a = 0;             // pi / Delta_a over the kept terms, rounded down
  std::vector<Ghost> nearest;   // the nearest zero and its conjugate (when certified)
  std::string method;           // how lo and hi were obtained, for humans
  std::size_t evaluations = 0;  // exponentials evaluated in Arb
};

// Throws InvalidLine on bad input (line.hpp).
CertifiedRadius certify_radius(std::span<const double> z, std::span<const double> a,
                               const CertifyOptions& options = {});
CertifiedRadius certify_radius(const Line& line, const CertifyOptions& options = {});

std::string_view name(RadiusStatus status);

}  // namespace softcheck::taylor_radius
