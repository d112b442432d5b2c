#include "core/op_inputs.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace softcheck {
namespace {

// The largest finite logit, -inf when there is none; NaN when the row has a NaN or +inf
// (IEEE: +inf - +inf and NaN arithmetic make every output NaN).
long double row_max(std::span<const double> x) {
  long double max = -HUGE_VALL;
  for (double v : x) {
    if (std::isnan(v) || v == HUGE_VAL) return NAN;
    max = std::max<long double>(max, v);
  }
  return max;
}

// log sum_j exp(x_j - max) in long double (NaN for a fully masked row: -inf - -inf).
long double log_sum(std::span<const double> x, long double max) {
  long double sum = 0.0L;
  for (double v : x) sum += std::exp(static_cast<long double>(v) - max);
  return std::log(sum);
}

std::vector<double> uniform_row(std::size_t n, Format format, Rng& rng) {
  std::vector<double> row(n);
  for (double& v : row) v = round_to_format(rng.uniform(-1.0, 1.0), format);
  return row;
}

double ulp_at(double c, Format format) {
  const double magnitude = std::max(std::fabs(c), min_normal(format));
  return std::ldexp(epsilon(format), std::ilogb(magnitude));
}

std::vector<double> nearly_constant_row(std::size_t n, Format format, Rng& rng) {
  const double c = round_to_format(rng.uniform(-1.0, 1.0), format);
  std::vector<double> row(n);
  for (double& v : row) {
    const double k = static_cast<double>(rng.below(5)) - 2.0;
    v = round_to_format(c + k * ulp_at(c, format), format);
  }
  return row;
}

std::vector<double> huge_on_tiny_row(std::span<const double> x, Format format, Rng& rng) {
  std::vector<double> row = uniform_row(x.size(), format, rng);
  if (x.empty()) return row;
  const std::size_t smallest = static_cast<std::size_t>(
      std::min_element(x.begin(), x.end(), [](double a, double b) { return a < b; }) - x.begin());
  const double huge = std::ldexp(1.0, traits(format).max_exponent / 2);
  row[smallest] = rng.below(2) == 0 ? huge : -huge;
  return row;
}

std::vector<double> mixed_scales_row(std::size_t n, Format format, Rng& rng) {
  std::vector<double> row(n);
  for (double& v : row) {
    const int k = static_cast<int>(rng.below(41)) - 20;
    v = round_to_format(std::ldexp(rng.uniform(-1.0, 1.0), k), format);
  }
  return row;
}

std::vector<double> special_row(std::size_t n, std::size_t row_index, Format format, Rng& rng) {
  std::vector<double> row = uniform_row(n, format, rng);
  if (n == 0) return row;
  const double specials[] = {NAN, HUGE_VAL, -HUGE_VAL};
  row[rng.below(n)] = specials[(row_index / kDyStyles) % 3];
  return row;
}

std::vector<double> dy_row(std::span<const double> x, std::size_t row, Format format, Rng& rng) {
  switch (row % kDyStyles) {
    case 0: return uniform_row(x.size(), format, rng);
    case 1: return nearly_constant_row(x.size(), format, rng);
    case 2: return huge_on_tiny_row(x, format, rng);
    case 3: return mixed_scales_row(x.size(), format, rng);
    default: return special_row(x.size(), row, format, rng);
  }
}

}  // namespace

std::vector<double> forward_softmax(std::span<const double> x, Format format) {
  const long double max = row_max(x);
  const long double log_z = log_sum(x, max);
  std::vector<double> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    y[i] = round_to_format(
        static_cast<double>(std::exp(static_cast<long double>(x[i]) - max - log_z)), format);
  return y;
}

std::vector<double> forward_log_softmax(std::span<const double> x, Format format) {
  const long double max = row_max(x);
  const long double log_z = log_sum(x, max);
  std::vector<double> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    y[i] = round_to_format(static_cast<double>(static_cast<long double>(x[i]) - max - log_z),
                           format);
  return y;
}

std::vector<double> generate_input_row(Input input, std::span<const double> x, std::size_t row,
                                       Format format, Rng& rng) {
  switch (input) {
    case Input::y: return forward_softmax(x, format);
    case Input::log_y: return forward_log_softmax(x, format);
    case Input::dy: return dy_row(x, row, format, rng);
    default: return uniform_row(x.size(), format, rng);
  }
}

}  // namespace softcheck
