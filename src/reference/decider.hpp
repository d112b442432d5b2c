// Turning an enclosure into a correctly rounded result (reference.hpp's Exact) once its
// rounding is decided: both ends of the enclosure round to the same value of the format, and
// (for the double-double exact value) of double. Shared by the softmax and StableMax oracles.
#pragma once

#include <mpfr.h>

#include <boost/multiprecision/mpfr.hpp>

#include "core/format.hpp"
#include "reference/interval.hpp"
#include "reference/mpfr_rounding.hpp"
#include "reference/reference.hpp"

namespace softcheck::reference {

// An exactly known result (NaN, an infinity, or an exact special value).
inline Exact exactly(double value) { return {value, value, 0.0}; }

class Decider {
 public:
  explicit Decider(Format format);

  // Call whenever the working precision changes (sizes the scratch for the remainder).
  void set_precision(mpfr_prec_t precision);

  // True (and `out` filled) when the real enclosed by `v` has one rounding in the format
  // and one in double. A strict bound stands for the reals just inside it (Side::above for
  // lo, below for hi), so a real strictly beside a tie or beside zero is decided by the side
  // it lies on; a non-strict bound is the real itself.
  bool decide(const Interval& v, Exact& out);

 private:
  double round_bound(mpfr_srcptr bound, Format format, Side side);
  double remainder(const Interval& v, double exact_hi);

  Format format_;
  boost::multiprecision::mpfr_float scratch_;
  boost::multiprecision::mpfr_float midpoint_;
};

}  // namespace softcheck::reference
