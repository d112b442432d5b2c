#include "checks/attention_contract.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fp/constants.hpp"

namespace softcheck {
namespace {

}  // namespace

double gamma(double n, double u) {
  const double nu = n * u;
  return nu >= 1 ? fp::kInf<double> : nu / (1 - nu);
}

AttentionAllowance attention_allowance(const AttentionCase& c, std::size_t row,
                                       const AttentionFormats& formats,
                                       const std::vector<double>& exact_out) {
  const std::size_t lk = c.shape.lk, d = c.shape.d;
  const double u = unit_roundoff(formats.accumulation);
  const double u_p = formats.p == PFormat::none ? 0.0 : unit_roundoff(formats.p, formats.accumulation);
  const double eta_p = formats.p == PFormat::none ? 0.0 : subnormal_half_spacing(formats.p, formats.accumulation);
  const double scale = c.scale();
  const double cap = c.parameters.softcap;
  const double gamma_dot = gamma(static_cast<double>(d + 2), u);
  const double gamma_sums = gamma((2 + kExpUlps) * static_cast<double>(lk), u);

  // Scores (in double: the allowance needs a few correct digits, not the exact value).
  std::vector<std::size_t> keys;
  std::vector<double> scores, score_error;
  for (std::size_t k = 0; k < lk; ++k) {
    const double bias = c.bias.empty() ? 0.0 : c.bias[row * lk + k];
    if (!c.attended(row, k) || bias == -HUGE_VAL) continue;
    double dot = 0.0, magnitude = 0.0;
    for (std::size_t j = 0; j < d; ++j) {
      dot += c.q[row * d + j] * c.k[k * d + j];
      magnitude += std::fabs(c.q[row * d + j] * c.k[k * d + j]);
    }
    double s = scale * dot;
    if (cap > 0) s = cap * std::tanh(s / cap);
    s += bias;
    keys.push_back(k);
    scores.push_back(s);
    score_error.push_back(gamma_dot * std::fabs(scale) * magnitude + 8 * u * (std::fabs(s) + std::fabs(bias)));
  }
  AttentionAllowance allowance;
  allowance.out.assign(d, fp::kInf<double>);
  allowance.lse = fp::kInf<double>;
  if (keys.empty()) return allowance;
  const double m = *std::max_element(scores.begin(), scores.end());
  double z = 0.0;
  std::vector<double> p(keys.size()), a(keys.size()), e(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    p[i] = std::exp(scores[i] - m);
    z += p[i];
    e[i] = score_error[i] + kExpUlps * u * (1 + (m - scores[i]));
    a[i] = std::expm1(e[i]);
  }
  double max_a = 0.0, weighted_e = 0.0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    p[i] /= z;
    max_a = std::max(max_a, a[i]);
    weighted_e += p[i] * e[i];
  }
  if (max_a >= kMaxFirstOrder || gamma_sums >= kMaxFirstOrder || u_p >= kMaxFirstOrder) {
    // The bound says nothing; O is still a convex combination of the attended V rows.
    for (std::size_t j = 0; j < d; ++j) {
      double farthest = 0.0;
      for (std::size_t k : keys) farthest = std::max(farthest, std::fabs(c.v[k * d + j] - exact_out[j]));
      allowance.out[j] = farthest * kHullSlack;
    }
    allowance.vacuous = true;
    return allowance;
  }

  for (std::size_t j = 0; j < d; ++j) {
    const double o = exact_out[j];
    double sensitivity = 0.0, weighted_abs = 0.0, spread = 0.0;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const double v = c.v[keys[i] * d + j];
      sensitivity += p[i] * a[i] * std::fabs(v - o);
      weighted_abs += p[i] * std::fabs(v);
      spread += std::fabs(v - o);
    }
    const double b = sensitivity + (u_p + gamma_sums) * weighted_abs + eta_p * spread / z;
    allowance.out[j] = kContractKappa * b + u * std::fabs(o);
  }
  const double lse = m + std::log(z);
  allowance.lse = kContractKappa * (weighted_e + gamma_sums + u_p + eta_p * static_cast<double>(keys.size()) / z +
                                    u * (std::fabs(lse) + std::fabs(m) + 1));
  return allowance;
}

}  // namespace softcheck
