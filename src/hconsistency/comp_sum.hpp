// Conditional risks of the comp-sum losses (Mao, Mohri, Zhong 2023), for a conditional
// distribution p over n classes and a score vector h. Templates over the scalar: Real (the
// checks) or double (the worst-case search, whose results are re-evaluated in Real).
//
//   u_y = sum_{y' != y} e^(h_y' - h_y),  L_y = log(1 + u_y) = logsumexp(h) - h_y = -log s_y
//   l^tau(h, y) = Phi^tau(u_y) = ((1 + u_y)^(1 - tau) - 1) / (1 - tau) = expm1((1 - tau) L_y) / (1 - tau)
//                 (tau = 1: L_y; tau = 0: 1/s_y - 1; tau = 2: 1 - s_y)
//   C_tau(h) = sum_y p_y l^tau(h, y)
//   C*_tau = inf_h C_tau(h) = ((sum_y p_y^(1/(2 - tau)))^(2 - tau) - 1) / (1 - tau)   (tau < 2, tau != 1)
//          = -sum_y p_y log p_y (tau = 1),  1 - max_y p_y (tau = 2)
// (proofs/hconsistency-bounds.md, section "Best-in-class risk").
#pragma once

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

namespace softcheck::hconsistency {

// logsumexp(h) with the maximum subtracted first.
template <class T>
T log_partition(std::span<const double> h) {
  using std::exp;
  using std::log;
  const double top = *std::max_element(h.begin(), h.end());
  T sum = 0;
  for (double v : h) sum += exp(T(v) - T(top));
  return T(top) + log(sum);
}

// Phi^tau as a function of L = log(1 + u).
template <class T>
T comp_sum_of_log(const T& log_one_plus_u, const T& tau) {
  using std::expm1;
  if (tau == 1) return log_one_plus_u;
  const T one_minus_tau = 1 - tau;
  return expm1(one_minus_tau * log_one_plus_u) / one_minus_tau;
}

// C_tau(h) = sum_y p_y l^tau(h, y); classes with p_y = 0 contribute nothing.
template <class T>
T conditional_risk(std::span<const T> p, std::span<const double> h, const T& tau) {
  const T log_z = log_partition<T>(h);
  T risk = 0;
  for (std::size_t y = 0; y < p.size(); ++y)
    if (p[y] != 0) risk += p[y] * comp_sum_of_log(log_z - T(h[y]), tau);
  return risk;
}

// C*_tau in closed form.
template <class T>
T optimal_risk(std::span<const T> p, const T& tau) {
  using std::exp;
  using std::expm1;
  using std::log;
  if (tau == 2) return 1 - *std::max_element(p.begin(), p.end());
  if (tau == 1) {
    T entropy = 0;
    for (const T& v : p)
      if (v > 0) entropy -= v * log(v);
    return entropy;
  }
  const T two_minus_tau = 2 - tau;
  const T q = 1 / two_minus_tau;
  T sum = 0;  // S = sum p^q
  for (const T& v : p)
    if (v > 0) sum += exp(q * log(v));
  return expm1(two_minus_tau * log(sum)) / (1 - tau);
}

// The minimiser's probabilities s*_y = p_y^q / S (tau < 2): the h = log s* attaining C*.
template <class T>
std::vector<T> optimal_probabilities(std::span<const T> p, const T& tau) {
  using std::exp;
  using std::log;
  const T q = 1 / (2 - tau);
  std::vector<T> s(p.size(), T(0));
  T sum = 0;
  for (std::size_t y = 0; y < p.size(); ++y)
    if (p[y] > 0) sum += s[y] = exp(q * log(p[y]));
  for (T& v : s) v /= sum;
  return s;
}

}  // namespace softcheck::hconsistency
