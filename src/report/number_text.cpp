#include <charconv>
#include <cmath>
#include <cstdio>

#include "report/gate_report.hpp"

namespace softcheck {

std::string decimal_and_hex(double value) {
  if (std::isnan(value)) return "nan nan";
  if (std::isinf(value)) return value > 0 ? "inf inf" : "-inf -inf";
  char decimal[64];
  const auto end = std::to_chars(decimal, decimal + sizeof decimal, value).ptr;
  char hex[64];
  std::snprintf(hex, sizeof hex, "%a", value);
  return std::string(decimal, end) + " " + hex;
}

}  // namespace softcheck
