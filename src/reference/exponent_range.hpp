// RAII widening of MPFR's exponent range to the largest MPFR supports, restored on exit.
//
// The range is per thread in Debian's (thread-safe) MPFR, so this must be done at the start
// of every reference evaluation. With the widest range no intermediate of a softmax
// over/underflows spuriously; values beyond even that range are still enclosed correctly,
// because directed rounding of an underflow gives 0 (down) or the smallest positive number
// (up), and of an overflow the largest finite number (down) or +inf (up).
#pragma once

#include <mpfr.h>

namespace softcheck::reference {

class WidestExponentRange {
 public:
  WidestExponentRange() : saved_emin_(mpfr_get_emin()), saved_emax_(mpfr_get_emax()) {
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
  }
  ~WidestExponentRange() {
    mpfr_set_emin(saved_emin_);
    mpfr_set_emax(saved_emax_);
  }
  WidestExponentRange(const WidestExponentRange&) = delete;
  WidestExponentRange& operator=(const WidestExponentRange&) = delete;

 private:
  mpfr_exp_t saved_emin_;
  mpfr_exp_t saved_emax_;
};

}  // namespace softcheck::reference
