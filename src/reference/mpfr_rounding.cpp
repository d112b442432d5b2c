#include "reference/mpfr_rounding.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace softcheck::reference {

double round_to_format(mpfr_srcptr value, Format format, mpfr_ptr scratch, Side side) {
  if (mpfr_nan_p(value)) return std::numeric_limits<double>::quiet_NaN();
  if (mpfr_zero_p(value)) {
    // Reals just beside zero are tiny: they round to zero of their own sign.
    if (side == Side::exact) return mpfr_signbit(value) ? -0.0 : 0.0;
    return side == Side::above ? 0.0 : -0.0;
  }
  const bool negative = mpfr_signbit(value) != 0;
  const double sign = negative ? -1.0 : 1.0;
  if (mpfr_inf_p(value)) return sign * HUGE_VAL;

  const FormatTraits t = traits(format);
  // MPFR writes value = m * 2^e with 1/2 <= |m| < 1, so floor(log2 |value|) = e - 1.
  const mpfr_exp_t binade = mpfr_get_exp(value) - 1;
  // Beyond the largest binade (reals just below 2^(max_exponent+1) included): overflow.
  if (binade > t.max_exponent) return sign * HUGE_VAL;
  // Exponent of the spacing of the format at this binade (the subnormal spacing below the
  // normal range), and the number of significant bits the format keeps here.
  const mpfr_exp_t quantum = std::max<mpfr_exp_t>(binade, t.min_exponent) - (t.precision - 1);
  const mpfr_exp_t bits = binade - quantum + 1;
  // Away from zero for a tie whose real is displaced outwards, towards zero if inwards.
  const bool tie_outwards = side == (negative ? Side::below : Side::above);

  if (bits <= 0) {
    // |value| < 2^quantum = denorm_min. Below half of it: zero. Exactly half (bits == 0 and a
    // power of two): a tie, to the even neighbour zero unless displaced outwards. Above half:
    // denorm_min.
    if (bits < 0) return sign * 0.0;
    const int versus_half = negative ? -mpfr_cmp_si_2exp(value, -1, quantum - 1)
                                     : mpfr_cmp_ui_2exp(value, 1, quantum - 1);
    const bool up = versus_half > 0 || (versus_half == 0 && tie_outwards);
    return up ? sign * std::ldexp(1.0, static_cast<int>(quantum)) : sign * 0.0;
  }

  mpfr_set_prec(scratch, static_cast<mpfr_prec_t>(bits));
  // A tie needs exactly one bit more than the format keeps here. Ties to even (MPFR_RNDN)
  // when the value is the real rounded; a displaced real lies on the side it is displaced to.
  mpfr_rnd_t mode = MPFR_RNDN;
  if (side != Side::exact && mpfr_min_prec(value) == bits + 1)
    mode = side == Side::above ? MPFR_RNDU : MPFR_RNDD;
  mpfr_set(scratch, value, mode);
  // Rounding up may carry into the next binade; past the largest binade that is overflow.
  // (The tie max_finite + ulp/2 rounds to the even neighbour 2^(max_exponent+1): overflow.)
  if (mpfr_get_exp(scratch) - 1 > t.max_exponent) return sign * HUGE_VAL;
  return mpfr_get_d(scratch, MPFR_RNDN);  // exact: at most 53 bits, inside the double range
}

double round_to_format(const boost::multiprecision::mpfr_float& value, Format format, Side side) {
  boost::multiprecision::mpfr_float scratch;
  mpfr_set_prec(scratch.backend().data(), kRoundingScratchBits);
  return round_to_format(value.backend().data(), format, scratch.backend().data(), side);
}

}  // namespace softcheck::reference
