// The softmax backward contracts (backward_contract.hpp; proofs/backward-contract.md).
#include "checks/backward_contract.hpp"

#include <cmath>
#include <cstddef>
#include <limits>

#include "checks/attention_contract.hpp"  // gamma, kExpUlps (the same c_exp = 4)
#include "fp/constants.hpp"

namespace softcheck {
namespace {

// Unit roundoff of double: the scales and the allowance are evaluated in double.
constexpr double kDoubleUnit = 0x1p-53;
// The allowance is a sum of nonnegative terms, each a few dozen double operations away from
// its exact value: relative error below 40 * 2^-53 < 2^-47, covered with room by 2^-40.
constexpr double kEvaluationSlack = 1 + 0x1p-40;
// Below double's normal range (an f64 kernel's half ulp and underflow terms) a product or a
// halving rounds with an absolute error of up to 2^-1075, which no relative slack covers; each
// allowance has at most 8 such operations (additions there are exact): 8 * 2^-1075.
constexpr double kSubnormalSlack = 0x1p-1072;

// ulp_f(x) / 2 + 2 b, enlarged by both slacks; NaN (an infinite x or gamma) gives infinity.
double allowance(double exact, Format storage, double b) {
  const double bound = (ulp(exact, storage) / 2 + 2 * b) * kEvaluationSlack + kSubnormalSlack;
  return std::isnan(bound) ? fp::kInf<double> : bound;
}

// A sum of n nonnegative double terms (each itself one rounding away from exact), evaluated
// recursively, lies within gamma_(n+1)(2^-53) of the exact sum; this returns an upper bound.
double upper(double computed, std::size_t n) {
  return computed * (1 + gamma(static_cast<double>(n + 1), kDoubleUnit));
}

}  // namespace

SoftmaxBackwardScale softmax_backward_scale(std::span<const double> y, std::span<const double> dy) {
  double dot_abs = 0;
  for (std::size_t j = 0; j < y.size(); ++j) dot_abs += std::fabs(y[j] * dy[j]);
  // A product below double's normal range rounds with an absolute error up to 2^-1075.
  const double n = static_cast<double>(y.size());
  return {n, upper(dot_abs, y.size()) + n * 0x1p-1074};
}

LogSoftmaxBackwardScale log_softmax_backward_scale(std::span<const double> dy) {
  double sum = 0, abs_sum = 0;
  for (double v : dy) sum += v, abs_sum += std::fabs(v);
  const double m = upper(abs_sum, dy.size());
  // |fl(S) - S| <= gamma_n(2^-53) M.
  const double s = std::fabs(sum) + gamma(static_cast<double>(dy.size()), kDoubleUnit) * m;
  return {static_cast<double>(dy.size()), s, m};
}

double softmax_backward_allowance(double y, double dy, double exact, const SoftmaxBackwardScale& scale,
                                  Format storage, Format accumulation) {
  // eta_a = half the accumulation format's smallest subnormal (2^-1075 for f64 is not a
  // double: the terms use 2 eta_a = denorm_min and halve last).
  const double u = unit_roundoff(accumulation), two_eta = denorm_min(accumulation);
  const double g2 = gamma(2, u), g = gamma(scale.n + 1, u);
  const double ay = std::fabs(y);
  const double b = g2 * std::fabs(exact)               // d_i's and the product's roundings
                   + u * (1 + u) * std::fabs(y * dy)   // y_i dy_i - y_i s evaluated as two products
                   + (1 + g2) * g * (ay * scale.dot_abs)  // s's summation (ay N first: a tiny
                                                          // y_i must not underflow before N scales it)
                   + (1 + g2) * (scale.n * ay + 2) * two_eta / 2;  // underflow in the products
  return allowance(exact, storage, b);
}

double log_softmax_backward_allowance(double y, double exact, const LogSoftmaxBackwardScale& scale,
                                      Format storage, Format accumulation) {
  const double u = unit_roundoff(accumulation), two_eta = denorm_min(accumulation);  // 2 eta_a, as above
  const double g = gamma(scale.n, u);
  const double rho = (1 + kExpUlps * u) * (1 + u) - 1;
  // e_i = exp(y_i) in double is within one ulp; the smallest subnormal covers its underflow.
  const double e = std::exp(y) * (1 + 4 * kDoubleUnit) + 0x1p-1074;
  const double product = e * (rho * scale.sum_abs + (1 + rho) * g * scale.abs_sum)  // S, exp, product
                         + kExpUlps * two_eta * (1 + u) * (scale.sum_abs + g * scale.abs_sum)  // exp's underflow
                         + two_eta / 2;                                              // the product's
  const double b = u * std::fabs(exact) + (1 + u) * product;  // the subtraction's rounding
  return allowance(exact, storage, b);
}

}  // namespace softcheck
