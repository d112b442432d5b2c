#include <catch2/catch.hpp>
#include <cmath>

#include "core/format.hpp"

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
