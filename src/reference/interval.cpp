#include "reference/interval.hpp"

namespace softcheck::reference {
namespace {

// For a correctly rounded operation whose exact result is `ternary` away from the value
// rounded down into `out.lo()` (ternary < 0: the exact value is larger), the value rounded
// up is the same number when exact and the next representable number above it otherwise.
// This also holds at the ends of MPFR's exponent range (0 -> smallest positive, largest
// finite -> +inf), so it replaces a second, identical evaluation with MPFR_RNDU.
void complete_from_lower(Interval& out, int ternary) {
  mpfr_set(out.hi(), out.lo(), MPFR_RNDU);  // same precision: exact
  if (ternary != 0) mpfr_nextabove(out.hi());
}

template <typename Increasing>
void apply_increasing(Interval& out, const Interval& a, Increasing f) {
  if (a.is_point()) {
    complete_from_lower(out, f(out.lo(), a.lo(), MPFR_RNDD));
  } else {
    f(out.lo(), a.lo(), MPFR_RNDD);
    f(out.hi(), a.hi(), MPFR_RNDU);
  }
}

}  // namespace

void Interval::set_precision(mpfr_prec_t precision) {
  mpfr_set_prec(lo(), precision);
  mpfr_set_prec(hi(), precision);
}

void Interval::set_zero() {
  mpfr_set_zero(lo(), 1);
  mpfr_set_zero(hi(), 1);
}

void subtract_doubles(Interval& out, double x, double y) {
  // x is enclosed first (exactly once the precision reaches 53 bits), then y is subtracted
  // with MPFR's mixed operation, which treats the double operand as exact.
  mpfr_set_d(out.lo(), x, MPFR_RNDD);
  mpfr_set_d(out.hi(), x, MPFR_RNDU);
  mpfr_sub_d(out.lo(), out.lo(), y, MPFR_RNDD);
  mpfr_sub_d(out.hi(), out.hi(), y, MPFR_RNDU);
}

void exp(Interval& out, const Interval& a) {
  apply_increasing(out, a, [](mpfr_ptr r, mpfr_srcptr x, mpfr_rnd_t rnd) {
    return mpfr_exp(r, x, rnd);
  });
}

void log1p(Interval& out, const Interval& a) {
  apply_increasing(out, a, [](mpfr_ptr r, mpfr_srcptr x, mpfr_rnd_t rnd) {
    return mpfr_log1p(r, x, rnd);
  });
}

void accumulate(Interval& out, const Interval& a) {
  mpfr_add(out.lo(), out.lo(), a.lo(), MPFR_RNDD);
  mpfr_add(out.hi(), out.hi(), a.hi(), MPFR_RNDU);
}

void add_double(Interval& out, const Interval& a, double y) {
  mpfr_add_d(out.lo(), a.lo(), y, MPFR_RNDD);
  mpfr_add_d(out.hi(), a.hi(), y, MPFR_RNDU);
}

void one_plus(Interval& out, const Interval& a) {
  mpfr_add_ui(out.lo(), a.lo(), 1, MPFR_RNDD);
  mpfr_add_ui(out.hi(), a.hi(), 1, MPFR_RNDU);
}

void add(Interval& out, const Interval& a, const Interval& b) {
  mpfr_add(out.lo(), a.lo(), b.lo(), MPFR_RNDD);
  mpfr_add(out.hi(), a.hi(), b.hi(), MPFR_RNDU);
}

void subtract(Interval& out, const Interval& a, const Interval& b) {
  mpfr_sub(out.lo(), a.lo(), b.hi(), MPFR_RNDD);
  mpfr_sub(out.hi(), a.hi(), b.lo(), MPFR_RNDU);
}

void multiply_nonnegative(Interval& out, const Interval& a, const Interval& b) {
  mpfr_mul(out.lo(), a.lo(), b.lo(), MPFR_RNDD);
  mpfr_mul(out.hi(), a.hi(), b.hi(), MPFR_RNDU);
}

void reciprocal_positive(Interval& out, const Interval& a) {
  mpfr_ui_div(out.lo(), 1, a.hi(), MPFR_RNDD);
  mpfr_ui_div(out.hi(), 1, a.lo(), MPFR_RNDU);
}

void negate(Interval& out, const Interval& a) {
  // -[lo, hi] = [-hi, -lo]; negation is exact at equal precision. Swapping through the
  // negated copies keeps it correct when out aliases a.
  mpfr_neg(out.lo(), a.lo(), MPFR_RNDN);
  mpfr_neg(out.hi(), a.hi(), MPFR_RNDN);
  mpfr_swap(out.lo(), out.hi());
}

}  // namespace softcheck::reference
