// T_tau: Delta C_tau(h) >= T_tau(Delta C_{0-1}(h)) for every p and h over n classes
// (derivation and verification in proofs/hconsistency-bounds.md). With q = 1/(2 - tau) and
// M_q(t) = ((1 + t)^q + (1 - t)^q) / 2:
//
//   binary curve  B_tau(t) = 2^(1-tau) / (1 - tau) * (1 - M_q(t)^(2 - tau))      (tau != 1, 2)
//                 B_1(t)   = (1+t)/2 log(1+t) + (1-t)/2 log(1-t)
//                 B_2(t)   = t / 2
//   T_tau(t) = B_tau(t)                        tau in [0, 1]   (tight for every n)
//   T_tau(t) = (2/n)^(tau - 1) B_tau(t)        tau in (1, 2]   (tight for n = 2)
//
// which are the forms of Mao, Mohri, Zhong (2023, Theorem 3.1/Table 1): for tau in [1, 2)
// (2/n)^(tau-1) B_tau(t) = ((M_q(t))^(2-tau) - 1) / ((tau - 1) n^(tau - 1)), and T_2(t) = t/n.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>

namespace softcheck::hconsistency {

// log M_q(t) without overflow for large q (tau near 2).
template <class T>
T log_power_mean(const T& t, const T& q) {
  using std::exp;
  using std::log;
  using std::log1p;
  const T a = q * log1p(t);
  if (t == 1) return a - log(T(2));
  const T b = q * log1p(-t);
  return a + log1p(exp(b - a)) - log(T(2));
}

template <class T>
T binary_curve(const T& t, const T& tau) {
  using std::expm1;
  using std::exp;
  using std::log;
  using std::log1p;
  if (t <= 0) return T(0);
  if (tau == 2) return t / 2;
  if (tau == 1) {
    const T plus = (1 + t) / 2 * log1p(t);
    return t == 1 ? plus : plus + (1 - t) / 2 * log1p(-t);
  }
  const T two_minus_tau = 2 - tau;
  const T one_minus_tau = 1 - tau;
  // 1 - M^(2-tau) = -expm1((2 - tau) log M)
  return -exp(one_minus_tau * log(T(2))) / one_minus_tau *
         expm1(two_minus_tau * log_power_mean(t, 1 / two_minus_tau));
}

template <class T>
T bound_curve(const T& t, const T& tau, std::size_t classes) {
  using std::exp;
  using std::log;
  const T binary = binary_curve(t, tau);
  if (tau <= 1) return binary;
  return exp((tau - 1) * log(T(2) / T(static_cast<double>(classes)))) * binary;
}

// The formula used at this tau, for reports.
inline std::string bound_form(double tau) {
  const std::string binary =
      tau == 1   ? "((1+t)/2) log(1+t) + ((1-t)/2) log(1-t)"
      : tau == 2 ? "t/2"
                 : "2^(1-tau)/(1-tau) * (1 - (((1+t)^q + (1-t)^q)/2)^(2-tau)), q = 1/(2-tau)";
  if (tau <= 1) return "T(t) = " + binary;
  if (tau == 2) return "T(t) = t/n";
  return "T(t) = (2/n)^(tau-1) * [" + binary + "]";
}

}  // namespace softcheck::hconsistency
