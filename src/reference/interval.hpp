// A rigorous enclosure of a real number: two MPFR values lo <= hi of one working precision,
// each flagged strict when the real is known to differ from it (lo < real, real < hi).
// Every bound is computed by one correctly rounded MPFR operation in the outward direction
// (MPFR_RNDD for lo, MPFR_RNDU for hi), so the exact result of an operation on any reals
// inside the operand intervals lies inside the result. A bound is strict when its rounding
// was inexact (MPFR's ternary value) or it was computed from a strict bound through a
// strictly monotone step; a non-strict bound therefore equals the real exactly.
//
// Strictness lets a rounding decision see that a real lies strictly above a tie of the
// format (say a midpoint D plus a positive term far below the working precision): rounding
// "just above lo" and "just below hi" then agree at once (see mpfr_rounding.hpp, Side).
//
// Storage is Boost.Multiprecision's mpfr_float (RAII); arithmetic calls MPFR directly on
// the backends, so nothing allocates once the precision is set. Unless noted, `out` must not
// alias an operand.
#pragma once

#include <mpfr.h>

#include <boost/multiprecision/mpfr.hpp>

namespace softcheck::reference {

class Interval {
 public:
  Interval() = default;
  explicit Interval(mpfr_prec_t precision) { set_precision(precision); }

  // Changes the precision of both bounds; their values are lost.
  void set_precision(mpfr_prec_t precision);
  mpfr_prec_t precision() const { return mpfr_get_prec(lo()); }

  mpfr_ptr lo() { return lo_.backend().data(); }
  mpfr_ptr hi() { return hi_.backend().data(); }
  mpfr_srcptr lo() const { return lo_.backend().data(); }
  mpfr_srcptr hi() const { return hi_.backend().data(); }

  // Strictness of the bounds: the real is known to be > lo (resp. < hi).
  bool lo_strict = false;
  bool hi_strict = false;

  // The real is known exactly: both bounds equal it.
  bool is_exact() const { return !lo_strict && !hi_strict && mpfr_equal_p(lo(), hi()) != 0; }

  void set_zero();  // the exact value 0

 private:
  boost::multiprecision::mpfr_float lo_;
  boost::multiprecision::mpfr_float hi_;
};

// out = x - y: the difference of two doubles (exact when it fits the working precision).
void subtract_doubles(Interval& out, double x, double y);
// out = exp(a) and out = log1p(a) (a > -1); one MPFR call when `a` is exact.
void exp(Interval& out, const Interval& a);
void log1p(Interval& out, const Interval& a);
// out = log(a) (a > 0).
void log(Interval& out, const Interval& a);
// out += a.
void accumulate(Interval& out, const Interval& a);
// out = a + y, for a double y.
void add_double(Interval& out, const Interval& a, double y);
// out = 1 + a.
void one_plus(Interval& out, const Interval& a);
// out = a + b, out = a - b.
void add(Interval& out, const Interval& a, const Interval& b);
void subtract(Interval& out, const Interval& a, const Interval& b);
// out = a * b for a, b >= 0.
void multiply_nonnegative(Interval& out, const Interval& a, const Interval& b);
// out = 1 / a for a > 0.
void reciprocal_positive(Interval& out, const Interval& a);
// out = a / b for a >= 0, b > 0.
void divide_nonnegative(Interval& out, const Interval& a, const Interval& b);
// out = -a (exact). out may alias a.
void negate(Interval& out, const Interval& a);
// out = the exactly known `value`, rounded outward to out's precision.
void enclose(Interval& out, mpfr_srcptr value);
// out = sqrt(a) for a >= 0.
void sqrt(Interval& out, const Interval& a);
// out = y - a for a double y.
void subtract_from_double(Interval& out, double y, const Interval& a);

}  // namespace softcheck::reference
