#include "checks/collapse_stablemax_theory.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace softcheck::collapse {
namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();
// Steps of the walk below 2^K: two suffice for K >= p (stablemax_absorption_onset); a bound
// for any weight.
constexpr int kMaxWalk = 64;

// The largest value of `format` below a positive value of it.
double previous_value(double value, Format format) {
  const double below = value - ulp(value, format);
  // Just above a power of two the spacing below is half the spacing above.
  return ulp(below, format) < ulp(value, format) ? value - ulp(below, format) : below;
}

}  // namespace

double stablemax_s(double x) { return x >= 0 ? x + 1 : 1 / (1 - x); }

double stablemax_weight(std::span<const double> competitors) {
  double weight = 0;
  for (double c : competitors) weight += stablemax_s(c);
  return weight;
}

double stablemax_absorption_onset(Format format, int precision, double weight) {
  // T = 1 is absorbed one binade lower already: there it is half the spacing 2, and every
  // fl(g + 1) there is a tie rounded to an even significand, to which fl(fl(g + 1) + 1) ties
  // back.
  const int k = precision + std::ilogb(weight) + (weight == 1 ? 0 : 1);
  const double power = std::ldexp(1.0, k);
  if (power > max_finite(format)) return kNever;
  // fl(g + 1) is monotone in g: walk down from 2^K while it stays >= 2^K (at most two steps
  // for K >= p, where the spacing below 2^K is >= 1; weights >= 1/2 give K >= p).
  double gap = power;
  for (int step = 0; step < kMaxWalk; ++step) {
    const double below = previous_value(gap, format);
    if (below < 0 || round_to_format(below + 1, format) < power) break;
    gap = below;
  }
  return gap;
}

double stablemax_gradient_underflow_onset(Format format, double weight) {
  // sqrt(2T / denorm_min) with denorm_min = 2^-e, without forming 2^e (beyond double for f64).
  const int e = -std::ilogb(denorm_min(format));
  const double root = std::ldexp(std::sqrt(std::ldexp(2 * weight, e % 2)), e / 2);
  const double gap = std::hypot(root, weight / 2) - weight / 2 - 1;
  return gap <= max_finite(format) ? gap : kNever;
}

Model stablemax_model(const Kernel& kernel) {
  return kernel.provider == "builtin" ? Model::s_plus_r : Model::unknown;
}

Theory stablemax_theory(const Kernel& kernel, std::span<const double> competitors) {
  Theory theory;
  theory.model = stablemax_model(kernel);
  theory.accumulator_precision = accumulator_precision(kernel);
  const double weight = stablemax_weight(competitors);
  double largest = 0;
  for (double c : competitors) largest = std::max(largest, stablemax_s(c));
  theory.ln_weight = std::log(weight);
  theory.plain_sum =
      stablemax_absorption_onset(kernel.format, theory.accumulator_precision, weight);
  theory.max_first =
      stablemax_absorption_onset(kernel.format, theory.accumulator_precision, largest);
  theory.output_underflow = kNever;
  theory.gradient_underflow = stablemax_gradient_underflow_onset(kernel.format, weight);
  if (theory.model == Model::s_plus_r) {
    theory.gradient_onset = theory.gradient_underflow;
    theory.formula = "loss never; gradient output underflow";
  } else {
    theory.onset = theory.plain_sum;
    theory.gradient_onset = std::min(theory.plain_sum, theory.gradient_underflow);
    theory.formula = "plain sum";
  }
  return theory;
}

}  // namespace softcheck::collapse
