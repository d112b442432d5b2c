// A random logit of a format, for tests that draw their own rows.
#pragma once

#include <cmath>
#include <random>

#include "core/format.hpp"

namespace softcheck::testing {

// A random significand at a binary exponent in [lo, hi], either sign, rounded to `f`.
inline double random_logit(std::mt19937_64& rng, Format f, int lo, int hi) {
  std::uniform_int_distribution<int> exponent(lo, hi);
  std::uniform_real_distribution<double> fraction(1.0, 2.0);
  const double v = round_to_format(std::ldexp(fraction(rng), exponent(rng)), f);
  return rng() & 1 ? -v : v;
}

}  // namespace softcheck::testing
