// Binary sigmoid cross-entropy over a row of n independent binary logits, the target the one
// positive (one-hot multi-label with one positive):
//   loss   = sum_i BCE(x_i, [i = y]) = sum_{i != y} softplus(x_i) + softplus(-x_y)
//   grad_i = sigmoid(x_i) - [i = y]
// The sum, not the mean (no 1/n rounding; divide by n for PyTorch's reduction="mean").
// Algorithm "one-pass" (sigmoid_bce.cpp): with v_i = x_i (i != y), -x_y (i = y) and
// e = exp(-|v|): softplus(v) = max(v, 0) + log1p(e), summed compensated; the gradient is
// +-1 / (1 + e) for v >= 0 and +-e / (1 + e) for v < 0 (sigmoid(x) - 1 = -sigmoid(-x): no
// cancellation at the target).
//
// Contract (contracts/builtin.json, "*/sigmoid_bce/*"): gradient 3 roundings (exp, 1 + e,
// the quotient), loss per term 3 (exp, log1p, the addition) plus the compensated sum's 2:
// see the rule's comment.
// Special values are elementwise limits (README "Special values", loss family): a NaN logit
// has a NaN gradient and makes the loss NaN; v = +inf: gradient +-1, loss +inf;
// v = -inf: gradient 0, no contribution to the loss.
#pragma once

#include "core/loss_parameters.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::kernels {

KernelFn make_sigmoid_bce_one_pass(Format format, const LossParameters& parameters);

}  // namespace softcheck::kernels
