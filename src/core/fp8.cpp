#include "core/fp8.hpp"

#include <cmath>
#include <stdexcept>

namespace softcheck {

std::string_view name(PFormat format) {
  switch (format) {
    case PFormat::none: return "none";
    case PFormat::bf16: return "bf16";
    case PFormat::f16: return "f16";
    case PFormat::e4m3: return "e4m3";
    case PFormat::e5m2: return "e5m2";
  }
  return "?";
}

std::optional<PFormat> parse_p_format(std::string_view text) {
  for (PFormat f : {PFormat::none, PFormat::bf16, PFormat::f16, PFormat::e4m3, PFormat::e5m2})
    if (name(f) == text) return f;
  return std::nullopt;
}

Fp8Traits traits(PFormat format) {
  switch (format) {
    case PFormat::e4m3: return {4, -6, 0x1.cp8, true};     // OFP8 v1.0, table 1: 448
    case PFormat::e5m2: return {3, -14, 0x1.cp15, false};  // 57344
    default: throw std::invalid_argument("traits: not an 8-bit format");
  }
}

double round_to_p_format(double x, PFormat format) {
  switch (format) {
    case PFormat::none: return x;
    case PFormat::bf16: return round_to_format(x, Format::bf16);
    case PFormat::f16: return round_to_format(x, Format::f16);
    case PFormat::e4m3:
    case PFormat::e5m2: break;
  }
  if (!std::isfinite(x) || x == 0.0) return x;
  const Fp8Traits t = traits(format);
  int exponent = 0;
  std::frexp(x, &exponent);  // |x| in [2^(exponent-1), 2^exponent)
  const int binade = std::max(exponent - 1, t.min_exponent);
  const int quantum = binade - (t.precision - 1);
  // x / 2^quantum < 2^precision is exact in double; nearbyint rounds ties to even under the
  // default rounding mode.
  const double rounded = std::ldexp(std::nearbyint(std::ldexp(x, -quantum)), quantum);
  if (std::fabs(rounded) > t.max_finite) {
    // Beyond the largest finite value: E4M3 saturates, E5M2 rounds to infinity unless x is
    // within half an ulp of the largest finite (which nearbyint already rounded down).
    if (t.saturates) return std::copysign(t.max_finite, x);
    return std::copysign(HUGE_VAL, x);
  }
  return rounded == 0.0 ? std::copysign(0.0, x) : rounded;
}

double unit_roundoff(PFormat format, Format accumulation) {
  switch (format) {
    case PFormat::none: return epsilon(accumulation) / 2;
    case PFormat::bf16: return epsilon(Format::bf16) / 2;
    case PFormat::f16: return epsilon(Format::f16) / 2;
    case PFormat::e4m3:
    case PFormat::e5m2: return std::ldexp(1.0, -traits(format).precision);
  }
  return 0.0;
}

double subnormal_half_spacing(PFormat format, Format accumulation) {
  switch (format) {
    case PFormat::none: return denorm_min(accumulation) / 2;
    case PFormat::bf16: return denorm_min(Format::bf16) / 2;
    case PFormat::f16: return denorm_min(Format::f16) / 2;
    case PFormat::e4m3:
    case PFormat::e5m2: {
      const Fp8Traits t = traits(format);
      return std::ldexp(1.0, t.min_exponent - (t.precision - 1) - 1);
    }
  }
  return 0.0;
}

}  // namespace softcheck
