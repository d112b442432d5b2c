// Comp-sum losses (Mao, Mohri, Zhong 2023) for tau in [0, 2]: with u = sum_{j != y}
// e^(x_j - x_y) = 1 / s_y - 1 and L = -log s_y (the cross-entropy),
//   loss   = ((1 + u)^(1 - tau) - 1) / (1 - tau) = expm1((1 - tau) L) / (1 - tau)   (L at 1)
//   grad_j = s_j s_y^(tau - 1) = exp((x_j - x_y) - tau L)            (j != y)
//   grad_y = -(1 - s_y) s_y^(tau - 1) = -(1 - s_y) exp((1 - tau) L)
// tau = 0: sum-exponential u; 1: cross-entropy; (1, 2): generalized cross-entropy
// (1 - s_y^(tau-1)) / (tau - 1); 2: MAE 1 - s_y.
//
// Algorithm "two-pass" (comp_sum.cpp): pass 1 the maximum m, pass 2 the cross-entropy sums of
// row.hpp ("1 + s": s and 1 - s_y = o / (1 + s) from compensated scaled exponentials), then
// the outputs. L = (m - x_y) + log1p(s) is kept as a double-word (m - x_y exact by TwoSum),
// so neither the loss's expm1 nor the gradient's exp turns the rounding of a large L or
// x_j - x_y into a relative error; a row whose differences overflow is done in half units.
// At tau = 1 the outputs are the cross-entropy kernel's (row.hpp write_cross_entropy).
//
// Contract (contracts/builtin.json, "*/comp_sum/*"): loss and gradient within
// 8 + 3 (|x_j - max| + ln n) ulps (3 u ln n is log1p(s)'s error carried through L; the
// derivation is in the rule's comment).
// Special values (README "Special values", loss family): a NaN, a +inf or only -inf: every
// output NaN; a masked entry (-inf) j != y: gradient +0; a masked target: loss +inf for
// tau <= 1 and 1 / (tau - 1) above; gradient at finite j: +inf (tau < 1), softmax_j (tau = 1),
// +0 (tau > 1); at the target -inf, -1, -0.
#pragma once

#include "core/loss_parameters.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::kernels {

KernelFn make_comp_sum_two_pass(Format format, const LossParameters& parameters);

}  // namespace softcheck::kernels
