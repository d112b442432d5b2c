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

// Which real is rounded: `value` itself, or a real infinitesimally above or below it (the
// exact result when `value` is a strict lower or upper bound of it; see interval.hpp).
enum class Side { exact, above, below };

// `value` (or the real just beside it) rounded to `format`, returned as a double (exact:
// every value of every format is a double). NaN gives NaN, infinities pass through. Zero
// gives zero of its own sign for Side::exact, +0 above and -0 below. A tie is broken by
// `side` when it is not exact. `scratch` is clobbered; it must have been initialised with at
// least kRoundingScratchBits of precision (its precision is changed, which never reallocates
// below that).
double round_to_format(mpfr_srcptr value, Format format, mpfr_ptr scratch, Side side = Side::exact);

// Convenience form that allocates its own scratch (for tests and non-critical paths).
double round_to_format(const boost::multiprecision::mpfr_float& value, Format format,
                       Side side = Side::exact);

}  // namespace softcheck::reference
