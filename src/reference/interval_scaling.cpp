#include "reference/interval_scaling.hpp"

namespace softcheck::reference {
namespace {

// out = f(a, c) for f monotone in a: increasing when c > 0, decreasing when c < 0.
template <class F>
void apply_by_double(Interval& out, const Interval& a, double c, F f) {
  if (c > 0) {
    out.lo_strict = f(out.lo(), a.lo(), c, MPFR_RNDD) != 0 || a.lo_strict;
    out.hi_strict = f(out.hi(), a.hi(), c, MPFR_RNDU) != 0 || a.hi_strict;
  } else {
    out.lo_strict = f(out.lo(), a.hi(), c, MPFR_RNDD) != 0 || a.hi_strict;
    out.hi_strict = f(out.hi(), a.lo(), c, MPFR_RNDU) != 0 || a.lo_strict;
  }
}

}  // namespace

void scale(Interval& out, const Interval& a, double c) {
  apply_by_double(out, a, c, [](mpfr_ptr r, mpfr_srcptr x, double k, mpfr_rnd_t rnd) {
    return mpfr_mul_d(r, x, k, rnd);
  });
}

void divide_by(Interval& out, const Interval& a, double c) {
  apply_by_double(out, a, c, [](mpfr_ptr r, mpfr_srcptr x, double k, mpfr_rnd_t rnd) {
    return mpfr_div_d(r, x, k, rnd);
  });
}

void expm1(Interval& out, const Interval& a) {
  out.lo_strict = mpfr_expm1(out.lo(), a.lo(), MPFR_RNDD) != 0 || a.lo_strict;
  out.hi_strict = mpfr_expm1(out.hi(), a.hi(), MPFR_RNDU) != 0 || a.hi_strict;
}

}  // namespace softcheck::reference
