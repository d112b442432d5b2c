// The MPFR-to-format rounding helper against softcheck::round_to_format (on doubles).
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/format.hpp"
#include "core/rng.hpp"
#include "reference/mpfr_rounding.hpp"
#include "test_seed.hpp"
#include "test_values.hpp"

using namespace softcheck;
using boost::multiprecision::mpfr_float;

using softcheck::test::same_bits;

namespace {

// The helper applied to a double held exactly at 53 bits.
double helper(double x, Format f) {
  mpfr_float v;
  mpfr_set_prec(v.backend().data(), 53);
  mpfr_set_d(v.backend().data(), x, MPFR_RNDN);
  return reference::round_to_format(v, f);
}

// A double with random sign, exponent in [lo, hi] and random significand bits.
double random_double(Rng& rng, int lo, int hi) {
  const double significand = 1.0 + rng.uniform();
  const int exponent = lo + static_cast<int>(rng.below(static_cast<std::uint64_t>(hi - lo + 1)));
  const double v = std::ldexp(significand, exponent);
  return rng.below(2) ? -v : v;
}

// Values just around the boundaries of a format: ties and their neighbours at 1, at the
// smallest normal, at half the smallest subnormal and at the overflow threshold.
std::vector<double> edge_values(Format f) {
  const FormatTraits t = traits(f);
  const double dmin = denorm_min(f);
  const double max = max_finite(f);
  const double half_ulp_top = std::ldexp(1.0, t.max_exponent - t.precision);
  std::vector<double> base = {
      0.0,
      dmin,
      dmin / 2,    // tie to 0
      dmin * 1.5,  // tie to 2 dmin (even)
      dmin * 2.5,  // tie to 2 dmin (even)
      min_normal(f),
      min_normal(f) - dmin / 2,  // tie between the largest subnormal and min_normal
      1.0 + epsilon(f) / 2,      // tie to 1
      1.0 + 1.5 * epsilon(f),    // tie to 1 + 2 eps
      max,
      max + half_ulp_top,                                 // tie at overflow -> inf
      std::ldexp(1.0, t.max_exponent + 1),                // first power of two beyond
      std::ldexp(1.0, t.min_exponent - t.precision - 1),  // a quarter of dmin
  };
  std::vector<double> out;
  for (double b : base) {
    if (!std::isfinite(b)) continue;
    for (double v : {b, std::nextafter(b, 0.0), std::nextafter(b, HUGE_VAL)}) {
      out.push_back(v);
      out.push_back(-v);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("MPFR rounding helper agrees with round_to_format on edge cases") {
  for (Format f : kAllFormats) {
    INFO("format " << name(f));
    for (double v : edge_values(f)) {
      INFO("value " << v);
      CHECK(same_bits(helper(v, f), round_to_format(v, f)));
    }
    CHECK(std::isinf(
        helper(max_finite(f) + std::ldexp(1.0, traits(f).max_exponent - traits(f).precision), f)));
  }
  CHECK(helper(0x1p-25, Format::f16) == 0.0);
  CHECK(std::signbit(helper(-0x1p-25, Format::f16)));
  CHECK(helper(0x1.0000000001p-25, Format::f16) == 0x1p-24);
  CHECK(std::isinf(helper(65520.0, Format::f16)));
  CHECK(helper(65519.99, Format::f16) == 65504.0);
}

TEST_CASE("MPFR rounding helper agrees with round_to_format on random doubles") {
  Rng rng(derive_seed(testing::seed(), 1));
  const int count = testing::scaled(20000);
  for (Format f : kAllFormats) {
    const FormatTraits t = traits(f);
    // Exponents from well below the subnormals to beyond the largest binade of the format.
    const int lo = std::max(t.min_exponent - t.precision - 4, -1074);
    const int hi = std::min(t.max_exponent + 2, 1023);
    for (int i = 0; i < count; ++i) {
      const double v = random_double(rng, lo, hi);
      INFO("format " << name(f) << " value " << v);
      REQUIRE(same_bits(helper(v, f), round_to_format(v, f)));
    }
  }
}

TEST_CASE("MPFR rounding helper handles specials and values beyond the double range") {
  for (Format f : kAllFormats) {
    CHECK(std::isnan(helper(std::numeric_limits<double>::quiet_NaN(), f)));
    CHECK(helper(HUGE_VAL, f) == HUGE_VAL);
    CHECK(helper(-HUGE_VAL, f) == -HUGE_VAL);
    CHECK(same_bits(helper(-0.0, f), -0.0));
    CHECK(same_bits(helper(0.0, f), 0.0));

    // 2^(+-2^40): far outside the double range, held in MPFR's widened range.
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    mpfr_float big;
    mpfr_set_ui_2exp(big.backend().data(), 3, 1L << 40, MPFR_RNDN);
    CHECK(reference::round_to_format(big, f) == HUGE_VAL);
    mpfr_neg(big.backend().data(), big.backend().data(), MPFR_RNDN);
    CHECK(reference::round_to_format(big, f) == -HUGE_VAL);
    mpfr_float tiny;
    mpfr_set_si_2exp(tiny.backend().data(), -3, -(1L << 40), MPFR_RNDN);
    CHECK(same_bits(reference::round_to_format(tiny, f), -0.0));
  }
}

TEST_CASE("MPFR rounding helper decides ties from bits beyond double precision") {
  // 1 + eps/2 + 2^-200 is just above the tie: rounds up in every format, even f64.
  for (Format f : kAllFormats) {
    mpfr_float v;
    mpfr_set_prec(v.backend().data(), 300);
    mpfr_set_ui(v.backend().data(), 1, MPFR_RNDN);
    mpfr_add_d(v.backend().data(), v.backend().data(), epsilon(f) / 2, MPFR_RNDN);
    mpfr_float above = v, below = v;
    mpfr_set_prec(above.backend().data(), 300);
    mpfr_set_prec(below.backend().data(), 300);
    mpfr_set(above.backend().data(), v.backend().data(), MPFR_RNDN);
    mpfr_set(below.backend().data(), v.backend().data(), MPFR_RNDN);
    mpfr_nextabove(above.backend().data());
    mpfr_nextbelow(below.backend().data());
    CHECK(reference::round_to_format(v, f) == 1.0);
    CHECK(reference::round_to_format(above, f) == 1.0 + epsilon(f));
    CHECK(reference::round_to_format(below, f) == 1.0);
  }
}

TEST_CASE("MPFR rounding helper breaks ties by the side of a displaced real") {
  using reference::Side;
  // The exact sum x + offset (a tie of f64 is not a double), rounded from the given side.
  auto rounded = [](double x, Format f, Side side, double offset = 0.0) {
    mpfr_float v;
    mpfr_set_prec(v.backend().data(), 120);
    mpfr_set_d(v.backend().data(), x, MPFR_RNDN);
    if (offset != 0.0) mpfr_add_d(v.backend().data(), v.backend().data(), offset, MPFR_RNDN);
    return reference::round_to_format(v, f, side);
  };
  for (Format f : kAllFormats) {
    INFO("format " << name(f));
    const double eps = epsilon(f), dmin = denorm_min(f);
    // 1 + eps/2 lies between 1 (even) and 1 + eps.
    CHECK(rounded(1.0, f, Side::exact, eps / 2) == 1.0);
    CHECK(rounded(1.0, f, Side::above, eps / 2) == 1.0 + eps);
    CHECK(rounded(1.0, f, Side::below, eps / 2) == 1.0);
    CHECK(rounded(-1.0, f, Side::below, -eps / 2) == -1.0 - eps);
    CHECK(rounded(-1.0, f, Side::above, -eps / 2) == -1.0);
    // 1 + 3 eps/2 lies between 1 + eps and 1 + 2 eps (even).
    CHECK(rounded(1.0 + eps, f, Side::below, eps / 2) == 1.0 + eps);
    CHECK(rounded(1.0 + eps, f, Side::exact, eps / 2) == 1.0 + 2 * eps);
    // Not a tie: the side changes nothing.
    CHECK(rounded(1.0, f, Side::below) == 1.0);
    CHECK(rounded(1.0 + eps, f, Side::above) == 1.0 + eps);
    // Half the smallest subnormal (not a double for f64: held in MPFR), zero, overflow tie.
    mpfr_float half;
    mpfr_set_ui_2exp(half.backend().data(), 1, traits(f).min_exponent - traits(f).precision,
                     MPFR_RNDN);
    CHECK(same_bits(reference::round_to_format(half, f, Side::exact), 0.0));
    CHECK(reference::round_to_format(half, f, Side::above) == dmin);
    mpfr_neg(half.backend().data(), half.backend().data(), MPFR_RNDN);
    CHECK(same_bits(reference::round_to_format(half, f, Side::above), -0.0));
    CHECK(reference::round_to_format(half, f, Side::below) == -dmin);
    CHECK(same_bits(rounded(0.0, f, Side::below), -0.0));
    CHECK(same_bits(rounded(-0.0, f, Side::above), 0.0));
    CHECK(same_bits(rounded(-0.0, f, Side::exact), -0.0));
    if (f != Format::f64) {
      const double overflow_tie = max_finite(f) + ulp(max_finite(f), f) / 2;
      CHECK(std::isinf(rounded(overflow_tie, f, Side::exact)));
      CHECK(rounded(overflow_tie, f, Side::below) == max_finite(f));
      CHECK(std::isinf(rounded(overflow_tie, f, Side::above)));
      CHECK(std::isinf(rounded(std::ldexp(1.0, traits(f).max_exponent + 1), f, Side::below)));
    }
  }
  // The f64 overflow tie 2^1024 - 2^970 needs 54 bits: held in MPFR, not in a double.
  mpfr_set_emax(mpfr_get_emax_max());
  mpfr_float tie;
  mpfr_set_prec(tie.backend().data(), 54);
  mpfr_set_d(tie.backend().data(), max_finite(Format::f64), MPFR_RNDN);
  mpfr_add_d(tie.backend().data(), tie.backend().data(), 0x1p970, MPFR_RNDN);
  CHECK(std::isinf(reference::round_to_format(tie, Format::f64, Side::exact)));
  CHECK(reference::round_to_format(tie, Format::f64, Side::below) == max_finite(Format::f64));
  mpfr_nextbelow(tie.backend().data());
  CHECK(reference::round_to_format(tie, Format::f64) == max_finite(Format::f64));
}
