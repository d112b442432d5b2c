// The softmax backward contracts: how far a kernel's output may lie from the exact value of
// softmax_backward and log_softmax_backward (reference/backward_reference.hpp), derived in
// proofs/backward-contract.md from the computation's error analysis, not from a tolerance
// table. A kernel declares the format it stores in (f) and the one it accumulates in (u_a, the
// unit roundoff 2^-53 for f64, 2^-24 for f32; f32, bf16 and f16 kernels accumulate in f32).
//
// For one row of n elements, x_i the exact output, eta_a half the accumulation format's
// smallest subnormal, gamma_k = k u_a / (1 - k u_a):
//   |out_i - x_i| <= ulp_f(x_i) / 2 + 2 B_i, with
//   softmax_backward (s = <y, dy>, N = sum_j |y_j dy_j|):
//     B_i = gamma_2 |x_i| + u_a (1 + u_a) |y_i dy_i| + (1 + gamma_2) gamma_(n+1) |y_i| N
//           + (1 + gamma_2) (n |y_i| + 2) eta_a
//   log_softmax_backward (S = sum_j dy_j, M = sum_j |dy_j|, e_i = exp(y_i),
//   rho = (1 + c_exp u_a)(1 + u_a) - 1):
//     B_i = u_a |x_i| + (1 + u_a) [e_i (rho |S| + (1 + rho) gamma_n M)
//                                  + 2 c_exp eta_a (1 + u_a)(|S| + gamma_n M) + eta_a]
// N (resp. S, M) is the row's normwise scale: an element-relative bound is unattainable,
// since dy_i - s (resp. dy_i - e_i S) cancels when dy is nearly constant on the support of y.
// The allowance is infinite (vacuous) when (n + 1) u_a >= 1.
#pragma once

#include <span>

#include "core/format.hpp"

namespace softcheck {

// The row-level quantities of the bounds, each an upper bound of the exact one (evaluated in
// double with its rounding error added).
struct SoftmaxBackwardScale {
  double n = 0;
  double dot_abs = 0;  // N = sum_j |y_j dy_j|
};
struct LogSoftmaxBackwardScale {
  double n = 0;
  double sum_abs = 0;  // |S| = |sum_j dy_j|
  double abs_sum = 0;  // M = sum_j |dy_j|
};

// Finite rows only (the special-value table decides the others).
SoftmaxBackwardScale softmax_backward_scale(std::span<const double> y, std::span<const double> dy);
LogSoftmaxBackwardScale log_softmax_backward_scale(std::span<const double> dy);

// The allowed |out_i - x_i| of element i: ulp_f(x_i) / 2 + 2 B_i as above, slightly enlarged
// to cover its own evaluation in double. `exact` is the exact value's nearest double (the
// reference's exact_hi); `storage` the output format f, `accumulation` the format of u_a.
double softmax_backward_allowance(double y, double dy, double exact, const SoftmaxBackwardScale& scale,
                                  Format storage, Format accumulation);
double log_softmax_backward_allowance(double y, double exact, const LogSoftmaxBackwardScale& scale,
                                      Format storage, Format accumulation);

}  // namespace softcheck
