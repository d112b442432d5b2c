#include "taylor_radius/winding.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <vector>

namespace softcheck::taylor_radius {
namespace {

// An arc whose argument change is known less precisely than 2^kArgRadiusExp, or whose
// principal argument is within pi - kArgLimit of the cut, is halved (this also catches a
// quotient that straddles the negative real axis).
constexpr slong kArgRadiusExp = -10;
constexpr double kArgLimit = 3.0;
constexpr int kBoxTries = 16;  // halvings of a known zero's box before giving up
constexpr int kMinLevel = 4;    // at least 16 arcs
constexpr int kMaxStartLevel = 20;

struct Arc {
  std::uint64_t k;  // the arc from angle 2 pi k / 2^level to 2 pi (k + 1) / 2^level
  int level;
};

class Circle {
 public:
  Circle(const ExactLine& line, std::complex<double> centre, double radius, slong prec)
      : line_(line), prec_(prec), centre_(centre.real(), centre.imag()) {
    arb_set_d(radius_, radius);
  }

  // centre + radius e^(i pi theta), theta = numerator / 2^level (a dyadic: exact input).
  void point(acb_ptr t, std::uint64_t numerator, int level) const {
    Arb theta, s, c;
    arb_set_ui(theta, numerator);
    arb_mul_2exp_si(theta, theta, -level);
    arb_sin_cos_pi(s, c, theta, prec_);
    acb_set_arb_arb(t, c, s);
    acb_mul_arb(t, t, radius_, prec_);
    acb_add(t, t, centre_, prec_);
  }

  // A ball holding the whole arc: its midpoint plus the half arc length pi r / 2^level.
  void arc_ball(acb_ptr t, const Arc& arc) const {
    point(t, 2 * arc.k + 1, arc.level);
    Arb half;
    arb_const_pi(half, prec_);
    arb_mul(half, half, radius_, prec_);
    arb_mul_2exp_si(half, half, -arc.level);
    mag_t m;
    mag_init(m);
    arb_get_mag(m, half);
    acb_add_error_mag(t, m);
    mag_clear(m);
  }

  // G_p at the arc end 2 pi numerator / 2^level, cached per (angle, p).
  const Acb& end_value(std::uint64_t numerator, int level, std::size_t p, std::size_t& evals) {
    while (level > 0 && numerator % 2 == 0) numerator /= 2, --level;
    const auto key = std::make_tuple(numerator, level, p);
    const auto found = cache_.find(key);
    if (found != cache_.end()) return found->second.second;
    Acb t, g;
    point(t, 2 * numerator, level);
    evals += line_.evaluate(g, nullptr, t, p, prec_);
    return cache_.emplace(key, std::make_pair(t, g)).first->second.second;
  }
  const Acb& end_point(std::uint64_t numerator, int level, std::size_t p) {
    while (level > 0 && numerator % 2 == 0) numerator /= 2, --level;
    return cache_.at(std::make_tuple(numerator, level, p)).first;
  }

  const ExactLine& line_;
  slong prec_;
  Acb centre_;
  Arb radius_;

 private:
  std::map<std::tuple<std::uint64_t, int, std::size_t>, std::pair<Acb, Acb>> cache_;
};

// G_p over the arc by the mean-value (centred) form G_p(m) + G_p'(B) (B - m), m the arc's
// midpoint and B its ball (proofs/ghosts-certified-radius.md, section 4.1): its radius is
// about |G_p'| r instead of the sum of every term's |e_k b_k| r, which is far smaller when
// many terms cancel, so arcs are accepted much longer. G_p(m) is an end value of the halves,
// cached, so a halved arc reuses it.
void centred_enclosure(acb_ptr out, Circle& circle, const Arc& arc, std::size_t p,
                       const Acb& derivative, const Acb& ball, std::size_t& evaluations) {
  const Acb& value = circle.end_value(2 * arc.k + 1, arc.level + 1, p, evaluations);
  Acb offset;
  acb_sub(offset, ball, circle.end_point(2 * arc.k + 1, arc.level + 1, p), circle.prec_);
  acb_mul(out, derivative, offset, circle.prec_);
  acb_add(out, out, value, circle.prec_);
}

int start_level(const ExactLine& line, double radius) {
  double b_range = 0;
  for (std::size_t k = 0; k < line.size(); ++k)
    b_range = std::max(b_range, std::fabs(line.b_rounded(k)));
  const double wanted = std::max(16.0, radius * b_range);  // a few radians of phase per arc
  const int level = static_cast<int>(std::ceil(std::log2(wanted)));
  return std::clamp(level, kMinLevel, kMaxStartLevel);
}

}  // namespace

std::optional<KnownZero> known_zero_box(const ExactLine& line, const Acb& zero,
                                        double max_half_width, slong prec,
                                        std::size_t& evaluations) {
  const std::complex<double> centre = zero.mid();
  const std::size_t p = line.dominant(centre.real());
  Acb g, g1;
  double width = max_half_width;
  for (int i = 0; i < kBoxTries; ++i, width /= 2) {
    KnownZero known;
    known.zero = zero;
    known.p = p;
    acb_set_d_d(known.box, centre.real(), centre.imag());
    mag_t m;
    mag_init(m);
    mag_set_d(m, width);
    acb_add_error_mag(known.box, m);
    mag_clear(m);
    if (!acb_contains(known.box, zero)) return std::nullopt;  // zero ball wider than the box
    evaluations += line.evaluate(g, g1, known.box, p, prec);
    if (!acb_contains_zero(g1)) return known;
  }
  return std::nullopt;
}

Winding count_zeros(const ExactLine& line, std::complex<double> centre, double radius,
                    const WindingOptions& options, std::span<const KnownZero> known) {
  Winding result;
  if (!(radius > 0) || !std::isfinite(radius)) return result;
  Circle circle(line, centre, radius, options.precision);
  const slong prec = options.precision;
  // Only zeros provably outside the closed disc may be used.
  std::vector<const KnownZero*> outside;
  for (const KnownZero& k : known) {
    Acb offset;
    Arb distance;
    acb_sub(offset, k.zero, circle.centre_, prec);
    acb_abs(distance, offset, prec);
    if (arb_gt(distance, circle.radius_)) outside.push_back(&k);
  }
  std::vector<Arc> todo;
  const int level0 = start_level(line, radius);
  // F is real on the real axis, F(conj t) = conj F(t): around a real centre the lower half
  // circle mirrors the upper one and changes arg F by the same amount (proofs/
  // ghosts-certified-radius.md, section 4.4), so only the upper half is walked, then doubled.
  const bool mirror = centre.imag() == 0;
  const std::uint64_t start_arcs = std::uint64_t{1} << (mirror ? level0 - 1 : level0);
  for (std::uint64_t k = 0; k < start_arcs; ++k) todo.push_back({k, level0});
  Arb total, change, im, change2;
  Acb ball, enclosure, derivative, quotient, step, da, db, ha, hb;
  const auto well_known = [](const Arb& arg) {  // see kArgRadiusExp, kArgLimit
    return arb_is_finite(arg) && mag_cmp_2exp_si(arb_radref(arg.get()), kArgRadiusExp) < 0 &&
           arf_cmpabs_d(arb_midref(arg.get()), kArgLimit) < 0;
  };
  while (!todo.empty()) {
    const Arc arc = todo.back();
    todo.pop_back();
    if (result.evaluations > options.max_evaluations) return result;
    circle.arc_ball(ball, arc);
    const KnownZero* near = nullptr;
    for (const KnownZero* k : outside)
      if (acb_contains(k->box, ball)) near = k;
    bool accepted = false;
    std::size_t p = 0;
    if (near) {
      // G_p = (t - t0) h, h in G_p'(box): both factors' changes are principal arguments.
      p = near->p;
      const Acb& ga = circle.end_value(2 * arc.k, arc.level + 1, p, result.evaluations);
      const Acb& gb = circle.end_value(2 * arc.k + 2, arc.level + 1, p, result.evaluations);
      acb_sub(da, circle.end_point(2 * arc.k, arc.level + 1, p), near->zero, prec);
      acb_sub(db, circle.end_point(2 * arc.k + 2, arc.level + 1, p), near->zero, prec);
      acb_div(quotient, db, da, prec);
      acb_arg(change, quotient, prec);
      acb_div(ha, ga, da, prec);
      acb_div(hb, gb, db, prec);
      acb_div(quotient, hb, ha, prec);
      acb_arg(change2, quotient, prec);
      accepted = well_known(change) && well_known(change2);
      if (accepted) arb_add(change, change, change2, prec);
    } else {
      p = line.dominant(arf_get_d(arb_midref(acb_realref(ball.get())), ARF_RND_NEAR));
      result.evaluations += line.evaluate(enclosure, derivative, ball, p, prec);
      if (acb_contains_zero(enclosure))  // the term-by-term enclosure; then the centred form
        centred_enclosure(enclosure, circle, arc, p, derivative, ball, result.evaluations);
      if (!acb_contains_zero(enclosure)) {
        // The image of the arc lies in a convex set without 0: the change of arg G_p along
        // it is the principal argument of G_p(end) / G_p(start).
        const Acb& ga = circle.end_value(2 * arc.k, arc.level + 1, p, result.evaluations);
        const Acb& gb = circle.end_value(2 * arc.k + 2, arc.level + 1, p, result.evaluations);
        acb_div(quotient, gb, ga, prec);
        acb_arg(change, quotient, prec);
        accepted = well_known(change);
      }
    }
    if (accepted) {
      // arg F = arg G_p + Im(a_p t) + const: add b_p Im(t_end - t_start) (the c t part
      // cancels around the closed circle).
      acb_sub(step, circle.end_point(2 * arc.k + 2, arc.level + 1, p),
              circle.end_point(2 * arc.k, arc.level + 1, p), prec);
      arb_mul(im, acb_imagref(step.get()), line.b(p), prec);
      arb_add(change, change, im, prec);
      arb_add(total, total, change, prec);
      ++result.arcs;
      continue;
    }
    if (arc.level >= options.max_depth) return result;
    todo.push_back({2 * arc.k + 1, arc.level + 1});
    todo.push_back({2 * arc.k, arc.level + 1});
  }
  if (mirror) arb_mul_2exp_si(total, total, 1);  // the lower half's change, exactly
  // winding number = total / (2 pi), which must pin down one integer
  Arb two_pi;
  arb_const_pi(two_pi, prec);
  arb_mul_2exp_si(two_pi, two_pi, 1);
  arb_div(total, total, two_pi, prec);
  fmpz_t n;
  fmpz_init(n);
  if (arb_get_unique_fmpz(n, total) && fmpz_fits_si(n)) {
    result.certified = true;
    result.zeros = fmpz_get_si(n);
  }
  fmpz_clear(n);
  return result;
}

}  // namespace softcheck::taylor_radius
