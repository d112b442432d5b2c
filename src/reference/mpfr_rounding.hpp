// Rounding an MPFR value to one of softcheck's formats (round to nearest, ties to even),
// with the format's subnormals, underflow to signed zero and overflow to infinity.
//
// MPFR's own exponent range is left alone: the format's range is applied here, from the
// exponent of the value, so that it works for any value MPFR can hold.
#pragma once

#include <mpfr.h>

#include <boost/multiprecision/mpfr.hpp>

#include "core/format.hpp"

namespace softcheck::reference {

// Smallest allocated precision a scratch variable for round_to_format needs: the widest
// format significand (f64's 53 bits) fits in one limb of it without reallocation.
inline constexpr mpfr_prec_t kRoundingScratchBits = 64;

// `value` rounded to `format`, returned as a double (exact: every value of every format is a
// double). NaN gives NaN, infinities and zeros pass through with their sign. `scratch` is
// clobbered; it must have been initialised with at least kRoundingScratchBits of precision
// (its precision is changed, which never reallocates below that).
double round_to_format(mpfr_srcptr value, Format format, mpfr_ptr scratch);

// Convenience form that allocates its own scratch (for tests and non-critical paths).
double round_to_format(const boost::multiprecision::mpfr_float& value, Format format);

}  // namespace softcheck::reference
