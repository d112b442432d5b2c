#include <catch2/catch.hpp>
#include <bit>
#include <cmath>
#include <cstdint>

#include "core/double_bits.hpp"
#include "core/format.hpp"
#include "core/rng.hpp"
#include "test_seed.hpp"

using namespace softcheck;

TEST_CASE("format constants match IEEE 754 and bfloat16") {
  CHECK(max_finite(Format::f16) == 65504.0);
  CHECK(min_normal(Format::f16) == 0x1p-14);
  CHECK(denorm_min(Format::f16) == 0x1p-24);
  CHECK(max_finite(Format::bf16) == 0x1.FEp127);
  CHECK(denorm_min(Format::bf16) == 0x1p-133);
  CHECK(max_finite(Format::f32) == 0x1.FFFFFEp127);
  CHECK(denorm_min(Format::f32) == 0x1p-149);
  CHECK(max_finite(Format::f64) == 0x1.FFFFFFFFFFFFFp1023);
  CHECK(epsilon(Format::f32) == 0x1p-23);
}

TEST_CASE("round_to_format rounds to nearest even with subnormals and overflow") {
  CHECK(round_to_format(1.0 + 0x1p-11, Format::f16) == 1.0);                // tie -> even
  CHECK(round_to_format(1.0 + 3 * 0x1p-11, Format::f16) == 1.0 + 0x1p-9);  // tie -> even (up)
  CHECK(round_to_format(65519.0, Format::f16) == 65504.0);
  CHECK(std::isinf(round_to_format(65520.0, Format::f16)));                 // tie at overflow
  CHECK(round_to_format(0x1p-25, Format::f16) == 0.0);                      // tie -> 0 (even)
  CHECK(std::signbit(round_to_format(-0x1p-26, Format::f16)));
  CHECK(round_to_format(0x1.8p-25, Format::f16) == 0x1p-24);
  CHECK(round_to_format(1.0 / 3.0, Format::f32) == static_cast<double>(1.0f / 3.0f));
  CHECK(round_to_format(0x1.0101p0, Format::bf16) == 0x1.02p0);
}

TEST_CASE("f16 and bf16 encodings round-trip every bit pattern") {
  for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
    const auto b = static_cast<std::uint16_t>(bits);
    const double h = decode_f16(b);
    if (!std::isnan(h)) REQUIRE(encode_f16(h) == b);
    const double bf = decode_bf16(b);
    if (!std::isnan(bf)) REQUIRE(encode_bf16(bf) == b);
  }
}

TEST_CASE("ulp is the spacing of the binade, denorm_min below the smallest normal") {
  CHECK(ulp(1.0, Format::f32) == 0x1p-23);
  CHECK(ulp(0.75, Format::f16) == 0x1p-11);
  CHECK(ulp(0x1p-20, Format::f16) == 0x1p-24);
  CHECK(ulp(0.0, Format::f64) == 0x1p-1074);
}

// A double drawn to hit every binade, the formats' subnormal and overflow ranges, and (one in
// two) the midpoints between neighbours of `f` and the doubles next to them.
double adversarial_double(Rng& rng, Format f) {
  const double magnitude = std::ldexp(1.0 + rng.uniform(), static_cast<int>(rng.next() % 300) - 180);
  double x = rng.next() % 2 ? magnitude : -magnitude;
  if (rng.next() % 2) {
    const double rounded = round_to_format(x, f);
    if (std::isfinite(rounded) && rounded != 0) {
      x = rounded + ulp(rounded, f) / 2;  // a midpoint (or the overflow threshold)
      const auto step = rng.next() % 3;
      if (step == 1) x = next_up(x);
      if (step == 2) x = next_down(x);
    }
  }
  return x;
}

TEST_CASE("round_to_format_with_tie: the conversion's rounding, and ties exactly at midpoints") {
  Rng rng(testing::seed());
  for (Format f : {Format::f32, Format::bf16, Format::f16}) {
    std::size_t ties = 0;
    for (int i = 0; i < testing::scaled(200000); ++i) {
      const double x = adversarial_double(rng, f);
      const FormatRounding r = round_to_format_with_tie(x, f);
      INFO(name(f) << " x = " << std::hexfloat << x);
      REQUIRE(std::bit_cast<std::uint64_t>(r.rounded) ==
              std::bit_cast<std::uint64_t>(round_to_format(x, f)));
      if (f == Format::f32)
        REQUIRE(std::bit_cast<std::uint64_t>(r.rounded) ==
                std::bit_cast<std::uint64_t>(static_cast<double>(static_cast<float>(x))));
      // A tie: the neighbours of x round apart, and x is halfway between those values.
      const double lower = round_to_format(next_down(x), f), upper = round_to_format(next_up(x), f);
      const bool halfway = lower != upper && (std::isinf(upper) || std::isinf(lower)
                                                  ? std::fabs(x) == max_finite(f) + ulp(max_finite(f), f) / 2
                                                  : lower + (upper - lower) / 2 == x);
      REQUIRE(r.tie == halfway);
      ties += r.tie;
    }
    CHECK(ties > 1000);
  }
}

TEST_CASE("double_bits agrees with ldexp, ilogb and nextafter") {
  Rng rng(testing::seed());
  for (int i = 0; i < testing::scaled(100000); ++i) {
    const auto bits = rng.next();
    const double x = std::bit_cast<double>(bits);
    if (std::isnan(x)) continue;
    const int e = static_cast<int>(rng.next() % 2400) - 1200;
    INFO(std::hexfloat << x << " e " << e);
    REQUIRE(std::bit_cast<std::uint64_t>(scale2(x, e)) ==
            std::bit_cast<std::uint64_t>(std::ldexp(x, e)));
    if (x != 0 && std::isfinite(x)) REQUIRE(exponent_of(x) == std::ilogb(x));
    REQUIRE(std::bit_cast<std::uint64_t>(next_up(x)) ==
            std::bit_cast<std::uint64_t>(std::nextafter(x, HUGE_VAL)));
    REQUIRE(std::bit_cast<std::uint64_t>(next_down(x)) ==
            std::bit_cast<std::uint64_t>(std::nextafter(x, -HUGE_VAL)));
    const double y = std::ldexp(rng.uniform() - 0.5, static_cast<int>(rng.next() % 60) - 8);
    if (std::fabs(y) < 0x1p51)
      REQUIRE(round_to_integer(y) == std::nearbyint(y));
  }
}
