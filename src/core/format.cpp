#include "core/format.hpp"

#include "core/double_bits.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace softcheck {

std::optional<Format> parse_format(std::string_view text) {
  for (Format f : kAllFormats)
    if (name(f) == text) return f;
  return std::nullopt;
}

double max_finite(Format f) {
  const FormatTraits t = traits(f);
  return scale2(2.0 - normal_pow2(1 - t.precision), t.max_exponent);
}

double round_to_format(double x, Format f) { return round_to_format_with_tie(x, f).rounded; }

bool is_representable(double x, Format f) {
  if (std::isnan(x)) return true;
  return round_to_format(x, f) == x;
}

std::uint16_t encode_bf16(double representable) {
  if (std::isnan(representable)) return 0x7FC0;
  const auto bits = std::bit_cast<std::uint32_t>(static_cast<float>(representable));
  return static_cast<std::uint16_t>(bits >> 16);
}

double decode_bf16(std::uint16_t bits) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

std::uint16_t encode_f16(double representable) {
  if (std::isnan(representable)) return 0x7E00;
  const std::uint16_t sign = std::signbit(representable) ? 0x8000 : 0;
  const double magnitude = std::fabs(representable);
  if (std::isinf(magnitude)) return sign | 0x7C00;
  if (magnitude == 0.0) return sign;
  if (magnitude < min_normal(Format::f16)) {  // subnormal: magnitude = m * 2^-24
    return sign | static_cast<std::uint16_t>(magnitude * 0x1p24);
  }
  // A normal double: its exponent and the top 10 bits of its fraction.
  const auto bits = std::bit_cast<std::uint64_t>(magnitude);
  const int exponent = static_cast<int>(bits >> 52) - 1023;
  const auto fraction = static_cast<std::uint16_t>((bits >> 42) & 0x3FF);
  return sign | static_cast<std::uint16_t>((exponent + 15) << 10) | fraction;
}

double decode_f16(std::uint16_t bits) {
  const double sign = (bits & 0x8000) ? -1.0 : 1.0;
  const int exponent_field = (bits >> 10) & 0x1F;
  const int fraction = bits & 0x3FF;
  if (exponent_field == 0x1F)
    return fraction ? std::numeric_limits<double>::quiet_NaN() : sign * HUGE_VAL;
  if (exponent_field == 0) return sign * (fraction * 0x1p-24);
  return sign * ((1024 + fraction) * normal_pow2(exponent_field - 25));
}

void store(Format f, void* base, std::size_t index, double representable) {
  switch (f) {
    case Format::f64: static_cast<double*>(base)[index] = representable; return;
    case Format::f32: static_cast<float*>(base)[index] = static_cast<float>(representable); return;
    case Format::bf16: static_cast<std::uint16_t*>(base)[index] = encode_bf16(representable); return;
    case Format::f16: static_cast<std::uint16_t*>(base)[index] = encode_f16(representable); return;
  }
}

double load(Format f, const void* base, std::size_t index) {
  switch (f) {
    case Format::f64: return static_cast<const double*>(base)[index];
    case Format::f32: return static_cast<const float*>(base)[index];
    case Format::bf16: return decode_bf16(static_cast<const std::uint16_t*>(base)[index]);
    case Format::f16: return decode_f16(static_cast<const std::uint16_t*>(base)[index]);
  }
  return 0.0;
}

}  // namespace softcheck
