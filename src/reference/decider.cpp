#include "reference/decider.hpp"

#include <bit>
#include <cmath>
#include <cstdint>

#include "reference/mpfr_rounding.hpp"

namespace softcheck::reference {
namespace {

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

}  // namespace

Decider::Decider(Format format) : format_(format) {
  mpfr_set_prec(scratch_.backend().data(), kRoundingScratchBits);
}

void Decider::set_precision(mpfr_prec_t precision) {
  mpfr_set_prec(midpoint_.backend().data(), precision + 1);
}

bool Decider::decide(const Interval& v, Exact& out) {
  const Side lo_side = v.lo_strict ? Side::above : Side::exact;
  const Side hi_side = v.hi_strict ? Side::below : Side::exact;
  const double rounded = round_bound(v.lo(), format_, lo_side);
  if (!same_bits(rounded, round_bound(v.hi(), format_, hi_side))) return false;
  double exact_hi = rounded;
  if (format_ != Format::f64) {
    exact_hi = round_bound(v.lo(), Format::f64, lo_side);
    if (!same_bits(exact_hi, round_bound(v.hi(), Format::f64, hi_side))) return false;
  }
  out = {rounded, exact_hi, remainder(v, exact_hi)};
  return true;
}

double Decider::round_bound(mpfr_srcptr bound, Format format, Side side) {
  // An exact zero is +0, whichever sign of zero MPFR produced (x - x rounded down is -0).
  if (side == Side::exact && mpfr_zero_p(bound)) return 0.0;
  return round_to_format(bound, format, scratch_.backend().data(), side);
}

// (exact - exact_hi) rounded to double, with the exact value taken as the midpoint of the
// enclosure (its error is at most half the enclosure's width).
double Decider::remainder(const Interval& v, double exact_hi) {
  if (!std::isfinite(exact_hi) || exact_hi == 0.0) return 0.0;
  mpfr_ptr mid = midpoint_.backend().data();
  mpfr_add(mid, v.lo(), v.hi(), MPFR_RNDN);
  mpfr_div_2ui(mid, mid, 1, MPFR_RNDN);
  mpfr_sub_d(mid, mid, exact_hi, MPFR_RNDN);
  return round_to_format(mid, Format::f64, scratch_.backend().data());
}

}  // namespace softcheck::reference
