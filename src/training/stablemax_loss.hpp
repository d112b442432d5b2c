// StableMax cross-entropy (Prieto et al. 2025) as a differentiable libtorch expression.
//
//   s(x) = x + 1 for x ≥ 0,  1/(1 − x) for x < 0;
//   StableMax_i(x) = s(x_i) / Σ_j s(x_j);   StCE(x, y) = −log StableMax_y = log Σ_j s(x_j) − log s(x_y).
//
// s is positive, continuous with a continuous first derivative at 0, and grows only linearly,
// so Σ_j s(x_j) cannot be absorbed by its largest term the way Σ e^(x_j − max) rounds to 1
// (softmax collapse). Not shift invariant. Computed in the dtype of `logits` (cast before
// calling for another precision). Each branch of s is evaluated on an argument clamped to its
// own half-line, so the branch torch::where discards cannot produce inf/NaN gradients
// (1/(1 − x) at x = 1).
#pragma once

#include <ATen/core/Tensor.h>

namespace softcheck::training {

// s(x), elementwise.
at::Tensor stablemax_s(const at::Tensor& x);

// Per-sample StCE: logits [N, C] (floating), targets [N] (int64 class indices) -> [N].
at::Tensor stablemax_cross_entropy(const at::Tensor& logits, const at::Tensor& targets);

}  // namespace softcheck::training
