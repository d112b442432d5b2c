// Temperature-scaled softmax cross-entropy CE(x / T, y), T > 0, with the gradient with
// respect to the unscaled logits x:
//   loss   = (m - x_y) / T + log1p(s),    s = sum_{j != a} exp((x_j - m) / T)
//   grad_j = softmax(x / T)_j / T (j != y),   grad_y = -(1 - softmax(x / T)_y) / T
// Algorithm "two-pass" (temperature_ce.cpp): row.hpp's cross-entropy ("1 + s", compensated
// sums of scaled exponentials, the target's gradient from the competitors' sum), with the
// exponent (x_j - m) / T carried as a double-word: the rounding of x_j - m (TwoSum) and of
// the division (the FMA remainder d - q T) are added back, so exp sees no |x_j - m| / T * u
// relative error. 1 / T is folded into the reciprocal 1 / ((1 + s) T): one extra rounding.
//
// Contract (contracts/builtin.json, "*/temperature_cross_entropy/*"): the cross-entropy
// kernels' terms plus 1 ulp for T (see the rule's comment).
// Special values: as cross_entropy (row.hpp), the masked target's gradient -1 / T.
#pragma once

#include "core/loss_parameters.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::kernels {

KernelFn make_temperature_ce_two_pass(Format format, const LossParameters& parameters);

}  // namespace softcheck::kernels
