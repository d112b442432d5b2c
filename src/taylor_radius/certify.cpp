#include "taylor_radius/certify.hpp"

#include <cmath>
#include <limits>
#include <optional>

#include "fp/constants.hpp"
#include "taylor_radius/arb_handles.hpp"
#include "taylor_radius/exact_line.hpp"
#include "taylor_radius/inclusion.hpp"
#include "taylor_radius/numeric.hpp"
#include "taylor_radius/winding.hpp"

namespace softcheck::taylor_radius {
namespace {

// The zero-free circle is drawn at |zero| (1 - kGap): hi / lo - 1 is then about kGap plus
// the (tiny) width of the isolating ball, well inside the 1e-6 target.
constexpr double kGap = 2.5e-7;
// Where the double search looks first: Newton-polygon starts (m = 0, 1) and a polar grid of
// kRetryRings x kRetryRays points in the upper half disc of radius kSearchRadius rho_a; each retry after
// a nonzero count searches the smaller disc with a grid kRefine times denser per side.
constexpr double kSearchRadius = 4;
constexpr int kRetryRings = 3, kRetryRays = 8, kRefine = 2, kAttempts = 4;
constexpr double kInside = 1 - 1e-9;
// Largest half-width, relative to rho_a, of the box around the found zero in which the
// winding count uses the factorisation G = (t - t0) h instead of subdividing (winding.hpp).
constexpr double kRetryBoxWidth = 0.5;  // "strictly inside R" for a retry's candidates

// pi / (a_max - a_min) as a ball.
void exact_rho_a(Arb& rho, const Line& line, slong prec) {
  Arb hi(line.a_max), lo(line.a_min), spread;
  arb_sub(spread, hi, lo, kExactBits);
  arb_const_pi(rho, prec);
  arb_div(rho, rho, spread, prec);
}

Ghost ghost_of(const Acb& ball, slong prec) {
  Ghost g;
  g.t = ball.mid();
  Acb centre(g.t.real(), g.t.imag()), offset;
  Arb distance;
  acb_sub(offset, ball, centre, prec);
  acb_abs(distance, offset, prec);
  g.error = distance.upper();
  return g;
}

void add_pair(CertifiedRadius& r, const Ghost& g) {
  r.nearest.push_back(g);
  if (g.t.imag() != 0) r.nearest.push_back({std::conj(g.t), g.error});  // F is real on R
}

// Two kept terms: F = 0 iff t = (z1 - z0 + i pi (2m + 1)) / (a0 - a1); m = 0, -1 are nearest.
CertifiedRadius closed_form(const Line& line, slong prec) {
  CertifiedRadius r;
  Arb delta, spread, pi, modulus, z0(line.z[0]), z1(line.z[1]), a0(line.a[0]), a1(line.a[1]);
  arb_sub(delta, z1, z0, kExactBits);
  arb_sub(spread, a0, a1, kExactBits);
  arb_const_pi(pi, prec);
  Acb t;
  acb_set_arb_arb(t, delta, pi);
  acb_div_arb(t, t, spread, prec);
  acb_abs(modulus, t, prec);
  r.lo = modulus.lower();
  r.hi = modulus.upper();
  add_pair(r, ghost_of(t, prec));
  r.method = "closed form sqrt(delta^2 + pi^2) / Delta_a (two classes)";
  r.status = RadiusStatus::certified;
  return r;
}

std::vector<Complex> inside(const std::vector<Complex>& zeros, double radius) {
  std::vector<Complex> kept;
  for (const Complex& z : zeros)
    if (std::abs(z) < radius * kInside) kept.push_back(z);
  return kept;
}

}  // namespace

std::string_view name(RadiusStatus status) {
  switch (status) {
    case RadiusStatus::certified: return "certified";
    case RadiusStatus::infinite: return "infinite";
    case RadiusStatus::uncertified: return "uncertified";
  }
  return "?";
}

CertifiedRadius certify_radius(std::span<const double> z, std::span<const double> a,
                               const CertifyOptions& options) {
  return certify_radius(make_line(z, a), options);
}

CertifiedRadius certify_radius(const Line& line, const CertifyOptions& options) {
  const slong prec = options.precision;
  if (!line.has_zeros()) {
    CertifiedRadius r;
    r.status = RadiusStatus::infinite;
    r.lo = r.hi = r.rho_a = fp::kInf<double>;
    r.method = line.size() < 2 ? "no zero: fewer than two classes with finite logits"
                               : "no zero: every direction is equal (Delta_a = 0)";
    return r;
  }
  Arb rho;
  exact_rho_a(rho, line, prec);
  const double rho_a = rho.lower();
  if (line.size() == 2 && options.closed_form_for_two) {
    CertifiedRadius r = closed_form(line, prec);
    r.rho_a = rho_a;
    return r;
  }

  CertifiedRadius r;
  r.rho_a = rho_a;
  r.lo = rho_a;
  r.hi = fp::kInf<double>;
  r.status = RadiusStatus::uncertified;
  r.method = "out of budget: lo = rho_a only";
  const ExactLine exact(line);
  const NumericLine numeric(line);
  const double search = kSearchRadius * rho_a;
  std::vector<Complex> candidates = numeric.zeros(search, 1, kRetryRings, kRetryRays);
  WindingOptions winding;
  winding.precision = prec;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    std::optional<ZeroBall> zero;
    for (const Complex& c : candidates) {
      zero = include_zero(exact, c, prec, r.evaluations);
      if (zero) break;
    }
    if (!zero) return r;
    Arb modulus;
    acb_abs(modulus, zero->ball, prec);
    const double hi = modulus.upper();
    const double radius = modulus.lower() * (1 - kGap);
    r.hi = std::min(r.hi, hi);
    r.nearest.clear();
    add_pair(r, ghost_of(zero->ball, prec));
    if (radius <= rho_a) {  // rho_a is already a zero-free radius that close
      r.lo = rho_a;
      r.method = "interval Newton zero; lo = rho_a (no zero with |Im t| < pi / Delta_a)";
    } else {
      winding.max_evaluations = options.max_evaluations > r.evaluations
                                    ? options.max_evaluations - r.evaluations : 0;
      std::vector<KnownZero> known;  // the zero and its conjugate, with boxes
      Acb conjugate;
      acb_conj(conjugate, zero->ball);
      for (const Acb* z : {&zero->ball, &conjugate})
        if (auto k = known_zero_box(exact, *z, kRetryBoxWidth * rho_a, prec, r.evaluations))
          known.push_back(std::move(*k));
      Winding w = count_zeros(exact, 0, radius, winding, known);
      r.evaluations += w.evaluations;
      if (!w.certified) {  // perhaps too few bits near a zero: once more at twice the precision
        winding.precision = 2 * prec;
        w = count_zeros(exact, 0, radius, winding, known);
        r.evaluations += w.evaluations;
      }
      if (!w.certified) return r;
      if (w.zeros != 0) {  // a nearer zero was missed: search inside the circle
        const int refine = kRefine * (attempt + 1);
        candidates = inside(numeric.zeros(radius, 2, kRetryRings * refine, kRetryRays * refine), radius);
        continue;
      }
      r.lo = std::max(rho_a, radius);
      r.method = "interval Newton zero; lo by the argument principle (no zero in |t| <= lo, " +
                 std::to_string(w.arcs) + " arcs)";
    }
    r.status = r.hi / r.lo - 1 <= options.relative_width ? RadiusStatus::certified
                                                         : RadiusStatus::uncertified;
    return r;
  }
  return r;
}

}  // namespace softcheck::taylor_radius
