// Floating-point formats under test: f64, f32, bf16, f16.
//
// Every value of every format is exactly representable as a double, so the suite passes
// values around as doubles and converts to the storage layout only at the kernel boundary.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "core/double_bits.hpp"

namespace softcheck {

enum class Format { f64, f32, bf16, f16 };

inline constexpr Format kAllFormats[] = {Format::f64, Format::f32, Format::bf16, Format::f16};

struct FormatTraits {
  std::string_view name;
  int precision;           // significand bits including the implicit one (53, 24, 8, 11)
  int min_exponent;        // exponent of the smallest normal: 2^min_exponent
  int max_exponent;        // exponent of the largest binade: max finite < 2^(max_exponent+1)
  std::size_t storage_bytes;
};

// By Format's value (f64, f32, bf16, f16): a table the per-element checks read inline.
inline constexpr FormatTraits kFormatTraits[] = {{"f64", 53, -1022, 1023, 8},
                                                 {"f32", 24, -126, 127, 4},
                                                 {"bf16", 8, -126, 127, 2},
                                                 {"f16", 11, -14, 15, 2}};

constexpr FormatTraits traits(Format f) {
  const auto index = static_cast<std::size_t>(f);
  return index < std::size(kFormatTraits) ? kFormatTraits[index] : FormatTraits{"?", 0, 0, 0, 0};
}

constexpr std::string_view name(Format f) { return traits(f).name; }
std::optional<Format> parse_format(std::string_view text);

double max_finite(Format f);
// (Inline, like ulp below: the gate measures every kernel output with them.)
inline double min_normal(Format f) { return normal_pow2(traits(f).min_exponent); }
inline double denorm_min(Format f) {
  const FormatTraits t = traits(f);
  return scale2(1.0, t.min_exponent - t.precision + 1);
}
inline double epsilon(Format f) { return normal_pow2(1 - traits(f).precision); }  // spacing above 1

// Round a double to the nearest value of `f` (ties to even), with the format's subnormals,
// underflow to signed zero and overflow to infinity. NaN and infinities pass through.
double round_to_format(double x, Format f);
// round_to_format(x, f), and whether x lies exactly halfway between two neighbours in f (the
// rounding of reals near x then depends on their side of x).
struct FormatRounding {
  double rounded;
  bool tie;
};
// (Inline: the reference decides every output with it.)
inline FormatRounding round_to_format_with_tie(double x, Format f) {
  if (!std::isfinite(x) || x == 0.0 || f == Format::f64) return {x, false};
  const FormatTraits t = traits(f);
  const int exponent = std::max(exponent_of(x), t.min_exponent);
  const int quantum = exponent - (t.precision - 1);
  // Scaling by a power of two is exact here (the scaled value stays a normal double below
  // 2^precision), round_to_integer rounds to nearest, ties to even, and scaled - integer is
  // exact.
  const double scaled = scale2(x, -quantum);
  const double integer = round_to_integer(scaled);
  const bool tie = std::fabs(scaled - integer) == 0.5;
  const double rounded = scale2(integer, quantum);
  const double carry = normal_pow2(t.precision);  // integer == carry: rounded up a binade
  if (exponent > t.max_exponent || (exponent == t.max_exponent && std::fabs(integer) == carry)) {
    // Everything beyond the largest finite value rounds to infinity: the one tie there is the
    // threshold max_finite + ulp / 2 itself.
    const bool threshold = exponent == t.max_exponent && std::fabs(scaled) == carry - 0.5;
    return {std::copysign(HUGE_VAL, x), tie && threshold};
  }
  if (rounded == 0.0) return {std::copysign(0.0, x), tie};
  return {rounded, tie};
}

bool is_representable(double x, Format f);

// Spacing of `f` at |x|: 2^(max(floor(log2|x|), min_exponent) - precision + 1); for |x| at or
// beyond the largest binade the spacing of that binade; denorm_min for zero. NaN for NaN/inf.
inline double ulp(double x, Format f) {
  if (!std::isfinite(x)) return std::numeric_limits<double>::quiet_NaN();
  const FormatTraits t = traits(f);
  if (x == 0.0) return denorm_min(f);
  const int exponent = std::clamp(exponent_of(x), t.min_exponent, t.max_exponent);
  return scale2(1.0, exponent - t.precision + 1);
}

// Storage: 8/4/2 bytes per element, little-endian host layout.
// bf16 = upper half of the f32 encoding; f16 = IEEE binary16. NaN is stored as a quiet NaN.
std::uint16_t encode_bf16(double representable);
std::uint16_t encode_f16(double representable);
double decode_bf16(std::uint16_t bits);
double decode_f16(std::uint16_t bits);

// Store a value (already representable in f) at element `index` of a buffer of format f.
void store(Format f, void* base, std::size_t index, double representable);
double load(Format f, const void* base, std::size_t index);

}  // namespace softcheck
