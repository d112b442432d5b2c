#include "taylor_radius/ghosts.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "taylor_radius/exact_line.hpp"
#include "taylor_radius/inclusion.hpp"
#include "taylor_radius/numeric.hpp"
#include "taylor_radius/winding.hpp"

namespace softcheck::taylor_radius {
namespace {

// Starting points: Newton-polygon zeros m = 0 .. kEdgeM and a kRings x kRays polar grid.
constexpr int kEdgeM = 6, kRings = 8, kRays = 24;
constexpr double kBoxWidth = 0.5;  // known-zero boxes, relative to rho_a (certify.cpp)

}  // namespace

GhostList find_ghosts(const Line& line, double radius, const CertifyOptions& options) {
  GhostList list;
  if (!line.has_zeros() || !(radius > 0)) {
    list.complete = true;  // no zero at all, or an empty disc
    return list;
  }
  const slong prec = options.precision;
  const ExactLine exact(line);
  const NumericLine numeric(line);
  std::size_t evaluations = 0;
  std::vector<KnownZero> known;
  for (const Complex& t : numeric.zeros(radius, kEdgeM, kRings, kRays)) {
    if (std::abs(t) > radius) continue;
    const auto zero = include_zero(exact, t, prec, evaluations);
    if (!zero) continue;
    const Ghost g{zero->centre, zero->error};
    const bool seen = std::any_of(list.zeros.begin(), list.zeros.end(), [&](const Ghost& h) {
      return std::abs(h.t - g.t) <= h.error + g.error;
    });
    if (seen) continue;
    list.zeros.push_back(g);
    Acb conjugate;
    acb_conj(conjugate, zero->ball);
    if (g.t.imag() != 0) list.zeros.push_back({std::conj(g.t), g.error});
    const double rho_a = std::numbers::pi / (line.a_max - line.a_min);
    for (const Acb* z : std::initializer_list<const Acb*>{&zero->ball, &conjugate})
      if (auto k = known_zero_box(exact, *z, kBoxWidth * rho_a, prec, evaluations))
        known.push_back(std::move(*k));
  }
  std::sort(list.zeros.begin(), list.zeros.end(),
            [](const Ghost& a, const Ghost& b) { return std::abs(a.t) < std::abs(b.t); });
  WindingOptions winding;
  winding.precision = 2 * prec;
  winding.max_evaluations = options.max_evaluations;
  const Winding w = count_zeros(exact, 0, radius, winding, known);
  list.complete = w.certified && w.zeros == static_cast<long>(list.zeros.size());
  return list;
}

}  // namespace softcheck::taylor_radius
