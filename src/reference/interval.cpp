#include "reference/interval.hpp"

#include <utility>

namespace softcheck::reference {
namespace {

// For a correctly rounded operation on an exact operand whose exact result is `ternary`
// away from the value rounded down into `out.lo()` (ternary < 0: the exact value is
// larger), the value rounded up is the same number when exact and the next representable
// number above it otherwise. This also holds at the ends of MPFR's exponent range
// (0 -> smallest positive, largest finite -> +inf), so it replaces a second, identical
// evaluation with MPFR_RNDU.
void complete_from_lower(Interval& out, int ternary) {
  mpfr_set(out.hi(), out.lo(), MPFR_RNDU);  // same precision: exact
  out.lo_strict = out.hi_strict = ternary != 0;
  if (ternary != 0) mpfr_nextabove(out.hi());
}

// out = f(a) for a strictly increasing f.
template <typename Increasing>
void apply_increasing(Interval& out, const Interval& a, Increasing f) {
  if (a.is_exact()) {
    complete_from_lower(out, f(out.lo(), a.lo(), MPFR_RNDD));
  } else {
    out.lo_strict = f(out.lo(), a.lo(), MPFR_RNDD) != 0 || a.lo_strict;
    out.hi_strict = f(out.hi(), a.hi(), MPFR_RNDU) != 0 || a.hi_strict;
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
  lo_strict = hi_strict = false;
}

void subtract_doubles(Interval& out, double x, double y) {
  // x is enclosed first (exactly once the precision reaches 53 bits), then y is subtracted
  // with MPFR's mixed operation, which treats the double operand as exact.
  const bool lo_inexact = mpfr_set_d(out.lo(), x, MPFR_RNDD) != 0;
  const bool hi_inexact = mpfr_set_d(out.hi(), x, MPFR_RNDU) != 0;
  out.lo_strict = (mpfr_sub_d(out.lo(), out.lo(), y, MPFR_RNDD) != 0) || lo_inexact;
  out.hi_strict = (mpfr_sub_d(out.hi(), out.hi(), y, MPFR_RNDU) != 0) || hi_inexact;
}

void exp(Interval& out, const Interval& a) {
  apply_increasing(out, a,
                   [](mpfr_ptr r, mpfr_srcptr x, mpfr_rnd_t rnd) { return mpfr_exp(r, x, rnd); });
}

void log1p(Interval& out, const Interval& a) {
  apply_increasing(out, a,
                   [](mpfr_ptr r, mpfr_srcptr x, mpfr_rnd_t rnd) { return mpfr_log1p(r, x, rnd); });
}

void log(Interval& out, const Interval& a) {
  apply_increasing(out, a,
                   [](mpfr_ptr r, mpfr_srcptr x, mpfr_rnd_t rnd) { return mpfr_log(r, x, rnd); });
}

void accumulate(Interval& out, const Interval& a) {
  out.lo_strict =
      (mpfr_add(out.lo(), out.lo(), a.lo(), MPFR_RNDD) != 0) || out.lo_strict || a.lo_strict;
  out.hi_strict =
      (mpfr_add(out.hi(), out.hi(), a.hi(), MPFR_RNDU) != 0) || out.hi_strict || a.hi_strict;
}

void add_double(Interval& out, const Interval& a, double y) {
  out.lo_strict = (mpfr_add_d(out.lo(), a.lo(), y, MPFR_RNDD) != 0) || a.lo_strict;
  out.hi_strict = (mpfr_add_d(out.hi(), a.hi(), y, MPFR_RNDU) != 0) || a.hi_strict;
}

void one_plus(Interval& out, const Interval& a) {
  out.lo_strict = (mpfr_add_ui(out.lo(), a.lo(), 1, MPFR_RNDD) != 0) || a.lo_strict;
  out.hi_strict = (mpfr_add_ui(out.hi(), a.hi(), 1, MPFR_RNDU) != 0) || a.hi_strict;
}

void add(Interval& out, const Interval& a, const Interval& b) {
  out.lo_strict =
      (mpfr_add(out.lo(), a.lo(), b.lo(), MPFR_RNDD) != 0) || a.lo_strict || b.lo_strict;
  out.hi_strict =
      (mpfr_add(out.hi(), a.hi(), b.hi(), MPFR_RNDU) != 0) || a.hi_strict || b.hi_strict;
}

void subtract(Interval& out, const Interval& a, const Interval& b) {
  out.lo_strict =
      (mpfr_sub(out.lo(), a.lo(), b.hi(), MPFR_RNDD) != 0) || a.lo_strict || b.hi_strict;
  out.hi_strict =
      (mpfr_sub(out.hi(), a.hi(), b.lo(), MPFR_RNDU) != 0) || a.hi_strict || b.lo_strict;
}

void multiply_nonnegative(Interval& out, const Interval& a, const Interval& b) {
  // With reals A in a and B in b (A, B >= 0): A B >= A b.lo >= a.lo b.lo, strictly when a
  // strict bound meets a positive other factor (B > 0 iff b.lo > 0 or b.lo is strict).
  // Likewise A B <= a.hi b.hi, strictly when a strict upper bound meets a.hi, b.hi > 0.
  const bool a_positive = a.lo_strict || mpfr_sgn(a.lo()) > 0;
  const bool b_positive = b.lo_strict || mpfr_sgn(b.lo()) > 0;
  const bool lo_inexact = mpfr_mul(out.lo(), a.lo(), b.lo(), MPFR_RNDD) != 0;
  const bool hi_inexact = mpfr_mul(out.hi(), a.hi(), b.hi(), MPFR_RNDU) != 0;
  out.lo_strict = lo_inexact || (a.lo_strict && b_positive) || (b.lo_strict && a_positive);
  out.hi_strict =
      hi_inexact || ((a.hi_strict || b.hi_strict) && mpfr_sgn(a.hi()) > 0 && mpfr_sgn(b.hi()) > 0);
}

void reciprocal_positive(Interval& out, const Interval& a) {
  out.lo_strict = (mpfr_ui_div(out.lo(), 1, a.hi(), MPFR_RNDD) != 0) || a.hi_strict;
  out.hi_strict = (mpfr_ui_div(out.hi(), 1, a.lo(), MPFR_RNDU) != 0) || a.lo_strict;
}

void divide_nonnegative(Interval& out, const Interval& a, const Interval& b) {
  // With reals A in a, B in b (A >= 0, B > 0): a.lo / b.hi <= A / B <= a.hi / b.lo. The lower
  // bound is strict when A > a.lo, or when B < b.hi and A > 0; the upper one when A < a.hi,
  // or when B > b.lo and A > 0 (A = 0 when a.hi = 0 is exact).
  const bool a_positive = a.lo_strict || mpfr_sgn(a.lo()) > 0;
  const bool lo_inexact = mpfr_div(out.lo(), a.lo(), b.hi(), MPFR_RNDD) != 0;
  const bool hi_inexact = mpfr_div(out.hi(), a.hi(), b.lo(), MPFR_RNDU) != 0;
  out.lo_strict = lo_inexact || a.lo_strict || (b.hi_strict && a_positive);
  out.hi_strict = hi_inexact || a.hi_strict || (b.lo_strict && mpfr_sgn(a.hi()) > 0);
}

void negate(Interval& out, const Interval& a) {
  // -[lo, hi] = [-hi, -lo]; negation is exact at equal precision. Negating in place and
  // swapping keeps it correct when out aliases a.
  const bool lo_strict = a.lo_strict, hi_strict = a.hi_strict;
  mpfr_neg(out.lo(), a.lo(), MPFR_RNDN);
  mpfr_neg(out.hi(), a.hi(), MPFR_RNDN);
  mpfr_swap(out.lo(), out.hi());
  out.lo_strict = hi_strict;
  out.hi_strict = lo_strict;
}

void enclose(Interval& out, mpfr_srcptr value) {
  out.lo_strict = mpfr_set(out.lo(), value, MPFR_RNDD) != 0;
  out.hi_strict = mpfr_set(out.hi(), value, MPFR_RNDU) != 0;
}

void sqrt(Interval& out, const Interval& a) {
  apply_increasing(out, a,
                   [](mpfr_ptr r, mpfr_srcptr x, mpfr_rnd_t rnd) { return mpfr_sqrt(r, x, rnd); });
}

void subtract_from_double(Interval& out, double y, const Interval& a) {
  // y - A is decreasing in A: the lower bound comes from a.hi. `out` may not alias `a`.
  out.lo_strict = (mpfr_d_sub(out.lo(), y, a.hi(), MPFR_RNDD) != 0) || a.hi_strict;
  out.hi_strict = (mpfr_d_sub(out.hi(), y, a.lo(), MPFR_RNDU) != 0) || a.lo_strict;
}

}  // namespace softcheck::reference
