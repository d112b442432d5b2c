// Values and comparisons the test files share: the special values, bit-for-bit equality, and
// a row of normal draws in a format. (One definition each, so that a layer's test files can
// be compiled together in unity batches.)
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/format.hpp"
#include "core/rng.hpp"

namespace softcheck::test {

inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The same bits, any two NaNs counting as equal.
inline bool same_bits(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// n draws of N(0, scale^2), each rounded to format f.
inline std::vector<double> normal_row(Rng& rng, std::size_t n, double scale, Format f) {
  std::vector<double> row(n);
  for (double& v : row) v = round_to_format(scale * rng.normal(), f);
  return row;
}

}  // namespace softcheck::test
