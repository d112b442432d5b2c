// The attention contract: how far an output may lie from the exact value, derived from the
// computation's conditioning rather than a tolerance table (proofs/attention-contract.md).
// A kernel declares only the formats it computes in (AttentionFormats: storage, accumulation,
// the format of P), which set the unit roundoffs; the constants come from the proof.
//
// For query row i with attended keys K, exact scores s_k, m = max s_k, Z = sum_k e^(s_k - m),
// p_k = e^(s_k - m) / Z and exact output O_j:
//   element O_j:  |o - O_j| <= ulp_out(O_j)/2 + kappa * B_j + u * |O_j|, with
//     B_j = sum_k p_k a_k |V_kj - O_j|           (the softmax's sensitivity)
//         + (u_P + gamma_S) * sum_k p_k |V_kj|    (P's rounding and the sums of P V and l)
//         + eta_P * sum_k |V_kj - O_j| / Z        (P below its format's normal range)
//     a_k = exp(e_k) - 1, e_k = gamma_(d+2) |scale| sum_j |q_j K_kj|   (the scores' rounding)
//                               + 8 u (|s_k| + |bias_k|)               (scale, softcap, bias)
//                               + c_exp u (1 + m - s_k)                (exp and its argument)
//   LSE:          |l - LSE| <= ulp_lse(LSE)/2 + kappa * (sum_k p_k e_k + gamma_S + u_P
//                                                   + eta_P |K| / Z + u (|LSE| + |m| + 1)).
// u = the accumulation format's unit roundoff, u_P = P's (u when P is not rounded), eta_P = half
// P's smallest subnormal, gamma_n = n u / (1 - n u), gamma_S = gamma_((2 + c_exp) Lk) for the
// sums and every rescaling of a tiled or split evaluation. The bound is infinite (vacuous) when
// a first-order term reaches 1/4 (kMaxFirstOrder): it then says nothing and the report shows it.
#pragma once

#include <cstddef>
#include <vector>

#include "core/attention.hpp"
#include "core/format.hpp"
#include "kernels/attention_kernel.hpp"

namespace softcheck {

// proofs/attention-contract.md: exp within 4 ulps of its argument's exact exponential
// (c_exp), and kappa = 2 covering the second-order terms and 1 / (1 - beta) while every
// first-order term stays below 1/4.
inline constexpr double kExpUlps = 4;
inline constexpr double kContractKappa = 2;
inline constexpr double kMaxFirstOrder = 0.25;
// The hull check's slack: P rounded to an 8-bit format moves the combination by at most its
// unit roundoff (1/8 for E5M2) beyond the hull; 1.25 covers it with the sums' errors.
inline constexpr double kHullSlack = 1.25;

// The allowances of one query row (not fully masked): `out` per element of O (d values,
// without the output rounding's half ulp, which the check adds from the reference), `lse`
// likewise.
struct AttentionAllowance {
  std::vector<double> out;
  double lse = 0.0;
  bool vacuous = false;  // the conditioning bound said nothing: out holds the hull check
};

// `exact_out` is the row's exact O (d values, doubles nearest the exact ones).
AttentionAllowance attention_allowance(const AttentionCase& c, std::size_t row,
                                       const AttentionFormats& formats,
                                       const std::vector<double>& exact_out);

// gamma_n for unit roundoff u (infinity when n u >= 1).
double gamma(double n, double u);

// The unit roundoff u = eps / 2 of an accumulation format (round to nearest).
inline double unit_roundoff(Format format) { return epsilon(format) / 2; }

}  // namespace softcheck
