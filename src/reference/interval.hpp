// A rigorous enclosure [lo, hi] of a real number, held as two MPFR values of one working
// precision, and the few interval operations the softmax references need. Every bound is
// computed by one correctly rounded MPFR operation in the outward direction (MPFR_RNDD for
// lo, MPFR_RNDU for hi), so the exact result of the operation on any reals inside the
// operand intervals lies inside the result interval.
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

  // True when both bounds are equal (the value is known exactly); +0 and -0 count as equal.
  bool is_point() const { return mpfr_equal_p(lo(), hi()) != 0; }
  bool is_zero() const { return mpfr_zero_p(lo()) && mpfr_zero_p(hi()); }

  void set_zero();

 private:
  boost::multiprecision::mpfr_float lo_;
  boost::multiprecision::mpfr_float hi_;
};

// out = [x - y]: the difference of two doubles (exact when it fits the working precision).
void subtract_doubles(Interval& out, double x, double y);
// out = exp(a) and out = log1p(a) (a >= -1); one MPFR call when `a` is a point.
void exp(Interval& out, const Interval& a);
void log1p(Interval& out, const Interval& a);
// out += a (out may be anything; a is read only).
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
// out = -a (exact). out may alias a.
void negate(Interval& out, const Interval& a);

}  // namespace softcheck::reference
