// The kernels' storage conversions (src/kernels/element.hpp) against softcheck's reference
// rounding (core/format: encode_*(round_to_format(x))): every 16-bit pattern widens exactly,
// and every float of each binade where narrowing can behave differently rounds the same
// (to nearest even, with subnormals, underflow to zero and overflow to infinity).
// SOFTCHECK_TEST_SCALE >= 32 checks every float (a few minutes).
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "core/format.hpp"
#include "kernels/element.hpp"
#include "test_seed.hpp"

using namespace softcheck;
using namespace softcheck::kernels;

namespace {

// Every float whose biased exponent field is in [first, last], both signs; stops at the
// first mismatch and returns its bit pattern (or nothing).
template <class Narrow>
std::optional<std::uint32_t> first_mismatch(std::uint32_t first, std::uint32_t last, Format f,
                                            Narrow&& narrow) {
  const auto reference = [f](float x) {
    const double rounded = round_to_format(x, f);
    return f == Format::bf16 ? encode_bf16(rounded) : encode_f16(rounded);
  };
  for (std::uint32_t sign : {0u, 0x80000000u}) {
    for (std::uint32_t bits = first << 23; bits < (last + 1) << 23; ++bits) {
      const float x = std::bit_cast<float>(sign | bits);
      const std::uint16_t got = narrow(x);
      if (std::isnan(x) ? !std::isnan(f == Format::bf16 ? decode_bf16(got) : decode_f16(got))
                        : got != reference(x))
        return sign | bits;
    }
  }
  return std::nullopt;
}

// Biased exponent fields to sweep: the given ones by default, all with a deep scale.
std::vector<std::pair<std::uint32_t, std::uint32_t>> sweep(
    std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges) {
  if (softcheck::testing::scale() >= 32) return {{0, 255}};
  return ranges;
}

}  // namespace

TEST_CASE("widening bf16 and f16 is exact for every bit pattern") {
  for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
    const auto b = static_cast<std::uint16_t>(bits);
    INFO("bits " << bits);
    const double bf16 = decode_bf16(b);
    const double f16 = decode_f16(b);
    if (std::isnan(bf16)) {
      CHECK(std::isnan(widen_bf16(b)));
    } else {
      CHECK(widen_bf16(b) == bf16);
      CHECK(std::signbit(widen_bf16(b)) == std::signbit(bf16));
    }
    if (std::isnan(f16)) {
      CHECK(std::isnan(widen_f16(b)));
    } else {
      CHECK(widen_f16(b) == f16);
      CHECK(std::signbit(widen_f16(b)) == std::signbit(f16));
    }
  }
}

TEST_CASE("narrowing float -> bf16 rounds to nearest even, exhaustively per binade") {
  // f32 subnormals and the smallest normals, binades around 1, the largest finite binades,
  // and infinity/NaN (exponent field 255).
  for (const auto& [first, last] : sweep({{0, 2}, {126, 128}, {253, 255}})) {
    INFO("exponent fields " << first << ".." << last);
    const auto mismatch = first_mismatch(first, last, Format::bf16, narrow_bf16);
    INFO("first mismatch at float bits " << (mismatch ? *mismatch : 0));
    CHECK_FALSE(mismatch.has_value());
  }
}

TEST_CASE("narrowing float -> f16 rounds to nearest even, exhaustively per binade") {
  // 2^-27..2^-24: underflow to zero and the smallest subnormal (biased fields 100..103);
  // every subnormal binade 2^-24..2^-15 (103..112); the smallest normals (113, 114); around
  // 1 (126, 127); the largest binades and overflow 2^14..2^17 (141..144); infinity/NaN.
  for (const auto& [first, last] : sweep({{100, 114}, {126, 127}, {141, 144}, {255, 255}})) {
    INFO("exponent fields " << first << ".." << last);
    const auto mismatch = first_mismatch(first, last, Format::f16, narrow_f16);
    INFO("first mismatch at float bits " << (mismatch ? *mismatch : 0));
    CHECK_FALSE(mismatch.has_value());
  }
}

TEST_CASE("narrowing: named boundary cases") {
  CHECK(narrow_f16(65504.0f) == 0x7BFF);
  CHECK(narrow_f16(65519.996f) == 0x7BFF);
  CHECK(narrow_f16(65520.0f) == 0x7C00);  // the tie at the top rounds to infinity
  CHECK(narrow_f16(-65520.0f) == 0xFC00);
  CHECK(narrow_f16(0x1p-25f) == 0x0000);  // tie between 0 and the smallest subnormal
  CHECK(narrow_f16(0x1.8p-25f) == 0x0001);
  CHECK(narrow_f16(0x1p-14f) == 0x0400);      // the smallest normal
  CHECK(narrow_f16(0x1.FFCp-15f) == 0x0400);  // rounds up out of the subnormals
  CHECK(narrow_f16(-0.0f) == 0x8000);
  CHECK(narrow_f16(std::numeric_limits<float>::infinity()) == 0x7C00);
  CHECK(narrow_f16(std::numeric_limits<float>::quiet_NaN()) == kF16QuietNaN);
  CHECK(narrow_bf16(0x1.FFp127f) == 0x7F80);  // tie above the largest bf16 -> infinity
  CHECK(narrow_bf16(0x1.FEp127f) == 0x7F7F);
  CHECK(narrow_bf16(0x1.0101p0f) == 0x3F81);  // above the tie: up
  CHECK(narrow_bf16(0x1.01p0f) == 0x3F80);    // tie -> even
  CHECK(narrow_bf16(0x1.03p0f) == 0x3F82);    // tie -> even (up)
  CHECK(narrow_bf16(-std::numeric_limits<float>::quiet_NaN()) == kBf16QuietNaN);
}
