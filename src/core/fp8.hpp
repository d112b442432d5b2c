// The 8-bit formats attention kernels round P to before P V (OCP 8-bit floating point
// specification, "OFP8", v1.0, 2023): E4M3 - 4 exponent bits, 3 mantissa bits, bias 7, no
// infinities, largest finite 448 (S.1111.110), NaN S.1111.111; E5M2 - 5 exponent bits, 2
// mantissa bits, bias 15, IEEE-like with infinities, largest finite 57344. Emulated exactly on
// doubles: round to nearest, ties to even, with the formats' subnormals.
#pragma once

#include <optional>
#include <string_view>

#include "core/format.hpp"

namespace softcheck {

// The format a kernel rounds P to before P V: none (P stays in the accumulation format), the
// 16-bit storage formats, or an 8-bit one.
enum class PFormat : std::uint8_t { none, bf16, f16, e4m3, e5m2 };
std::string_view name(PFormat format);  // "none", "bf16", "f16", "e4m3", "e5m2"
std::optional<PFormat> parse_p_format(std::string_view text);

struct Fp8Traits {
  int precision;      // significand bits with the implicit one: 4 (E4M3), 3 (E5M2)
  int min_exponent;   // exponent of the smallest normal: -6 (E4M3), -14 (E5M2)
  double max_finite;  // 448 (0x1.cp8), 57344 (0x1.cp15)
  bool saturates;     // E4M3 has no infinity: beyond max_finite + ulp/2 it is NaN under IEEE
                      // rounding; kernels saturate to +-448 (the OFP8 "saturating" mode)
};
Fp8Traits traits(PFormat format);  // for e4m3 and e5m2

// Rounds x to the nearest value of `format` (ties to even). E4M3 saturates at +-448 (what GPU
// conversions with satfinite do); E5M2 overflows to infinity. NaN passes through. PFormat::none
// returns x; bf16 and f16 round as round_to_format does.
double round_to_p_format(double x, PFormat format);

// Unit roundoff and the absolute rounding error of subnormals (half the smallest subnormal)
// of a P format; for none the accumulation format's values.
double unit_roundoff(PFormat format, Format accumulation);
double subnormal_half_spacing(PFormat format, Format accumulation);

}  // namespace softcheck
