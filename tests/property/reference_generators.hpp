// RapidCheck generators of format-representable values and rows for the reference tests.
// RapidCheck's own floating-point generator never yields specials, so these mix typical
// logits at several scales with exact specials (NaN, +-inf, +-0, subnormals, +-max) and
// values just below +-max.
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/format.hpp"

namespace softcheck::testing {

inline rc::Gen<Format> any_format() {
  return rc::gen::element(Format::f64, Format::f32, Format::bf16, Format::f16);
}

// Values of `f` with a random significand and binary exponent in [lo, hi] (clamped to the
// format; exponents below its normal range give subnormals), either sign.
inline rc::Gen<double> scaled_values(Format f, int lo, int hi) {
  const FormatTraits t = traits(f);
  lo = std::max(lo, t.min_exponent - t.precision + 1);
  hi = std::min(hi, t.max_exponent);
  return rc::gen::apply(
      [f, t](std::uint64_t bits, int exponent, bool negative) {
        // The top precision-1 random bits form the fraction: shrinks towards powers of two.
        const double fraction =
            std::ldexp(static_cast<double>(bits >> (65 - t.precision)), 1 - t.precision);
        const double v = round_to_format(std::ldexp(1.0 + fraction, exponent), f);
        return negative ? -v : v;
      },
      rc::gen::arbitrary<std::uint64_t>(), rc::gen::inRange(lo, hi + 1),
      rc::gen::arbitrary<bool>());
}

// NaN, +-inf, +-0 and the extreme finite values of the format.
inline rc::Gen<double> special_values(Format f) {
  const double inf = std::numeric_limits<double>::infinity();
  const double largest_subnormal = min_normal(f) - denorm_min(f);
  return rc::gen::element(std::numeric_limits<double>::quiet_NaN(), inf, -inf, 0.0, -0.0,
                          denorm_min(f), -denorm_min(f), largest_subnormal, -largest_subnormal,
                          min_normal(f), -min_normal(f), max_finite(f), -max_finite(f));
}

// +-(max - k ulp) for small k.
inline rc::Gen<double> near_max(Format f) {
  const double top_ulp = ulp(max_finite(f), f);
  return rc::gen::apply(
      [f, top_ulp](int k, bool negative) {
        const double v = max_finite(f) - k * top_ulp;
        return negative ? -v : v;
      },
      rc::gen::inRange(0, 8), rc::gen::arbitrary<bool>());
}

// Any representable value, specials included.
inline rc::Gen<double> representable(Format f) {
  const FormatTraits t = traits(f);
  return rc::gen::weightedOneOf<double>({
      {12, scaled_values(f, -3, 3)},                                        // typical logits
      {4, scaled_values(f, -12, 8)},                                        // tiny to a few hundred
      {2, scaled_values(f, t.min_exponent - t.precision, t.max_exponent)},  // anywhere
      {1, special_values(f)},
      {1, near_max(f)},
  });
}

// Finite values of moderate size (|x| < 512, subnormals included) and masked -inf entries:
// rows whose every softmax term stays far above 2^-3000 relative to the largest.
inline rc::Gen<double> moderate(Format f) {
  const FormatTraits t = traits(f);
  return rc::gen::weightedOneOf<double>({
      {12, scaled_values(f, -3, 3)},
      {4, scaled_values(f, -8, 8)},
      {1, scaled_values(f, t.min_exponent - t.precision, -4)},
      {1, rc::gen::just(-std::numeric_limits<double>::infinity())},
      {1, rc::gen::element(0.0, -0.0, 1.0, -1.0)},
  });
}

// Rows of 1..max_size values drawn from `values`.
inline rc::Gen<std::vector<double>> rows(rc::Gen<double> values, int max_size = 8) {
  return rc::gen::mapcat(rc::gen::inRange(1, max_size + 1), [values](int n) {
    return rc::gen::container<std::vector<double>>(static_cast<std::size_t>(n), values);
  });
}

inline bool has_finite(const std::vector<double>& x) {
  for (double v : x)
    if (std::isfinite(v)) return true;
  return false;
}

inline bool has_nan_or_pos_inf(const std::vector<double>& x) {
  for (double v : x)
    if (std::isnan(v) || v == std::numeric_limits<double>::infinity()) return true;
  return false;
}

}  // namespace softcheck::testing
