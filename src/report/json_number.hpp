// JSON has no inf or NaN: the report writers write non-finite numbers as the strings "nan",
// "inf" and "-inf".
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>

namespace softcheck {

inline nlohmann::json json_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

}  // namespace softcheck
