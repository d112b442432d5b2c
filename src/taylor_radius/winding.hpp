// Certified zero count of F inside a circle, by the argument principle in ball arithmetic
// (proofs/ghosts-certified-radius.md, section 4). The circle is cut into dyadic arcs; an arc
// is accepted when the enclosure of G_p over a ball covering it excludes 0 (then the argument
// changes by less than pi along the arc and is read off its endpoints), otherwise it is
// halved. The winding number is the sum of the changes over 2 pi, accepted only when that
// ball holds exactly one integer; F != 0 on the circle is proven on the way.
#pragma once

#include <acb.h>

#include <complex>
#include <cstddef>
#include <optional>
#include <span>

#include "taylor_radius/exact_line.hpp"

namespace softcheck::taylor_radius {

struct WindingOptions {
  slong precision = 128;                       // bits of the ball arithmetic
  int max_depth = 56;                          // arcs no shorter than 2 pi r / 2^56
  std::size_t max_evaluations = 20'000'000;    // exponentials; then give up
};

// A known zero t0 in `zero`, inside the rectangle `box` on which G_p' provably has no zero.
// Then G_p(t) = (t - t0) h(t) with h(t) in G_p'(box) for every t in the box, so along an arc
// inside the box the argument of G_p changes by Arg((b - t0)/(a - t0)) + Arg(h(b)/h(a))
// (proofs/ghosts-certified-radius.md, section 4.3): no subdivision down to the zero.
struct KnownZero {
  Acb zero, box;
  std::size_t p = 0;
};

// The largest box (half-width from max_half_width down, halving) around a certified zero on
// which G_p' excludes 0; empty when none is found in a few tries.
std::optional<KnownZero> known_zero_box(const ExactLine& line, const Acb& zero,
                                        double max_half_width, slong prec,
                                        std::size_t& evaluations);

struct Winding {
  bool certified = false;  // false: out of depth or budget, or F may vanish on the circle
  long zeros = 0;          // with multiplicity, inside |t - centre| < radius, when certified
  std::size_t arcs = 0;
  std::size_t evaluations = 0;  // exponentials evaluated
};

// Known zeros must lie outside the closed disc (checked; a zero inside or on it is ignored).
Winding count_zeros(const ExactLine& line, std::complex<double> centre, double radius,
                    const WindingOptions& options = {},
                    std::span<const KnownZero> known = {});

}  // namespace softcheck::taylor_radius
