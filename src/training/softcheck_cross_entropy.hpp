// softcheck's own fused cross-entropy kernel as a libtorch autograd function, so training runs
// can use a kernel under test instead of libtorch's log_softmax + nll_loss.
//
// Forward: one call of a registry kernel (default builtin/cross_entropy/f32/two-pass,
// src/kernels) over the [N, C] f32 logits gives the per-row loss and the per-row gradient
// ∂loss/∂z in the same pass; the gradient is saved. Backward: grad_z = grad_loss[:, None] ·
// saved gradient. Not twice differentiable (the controller differentiates the logits, never
// the loss, so it does not need to be).
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

namespace softcheck::training {

inline constexpr const char* kDefaultCrossEntropyKernel = "builtin/cross_entropy/f32/two-pass";

// Per-row losses [N] (f32) for logits [N, C] (cast to f32, made contiguous) and int64 targets
// [N]. Throws std::invalid_argument for an unknown kernel name or a kernel that is not an f32
// cross-entropy. Built-in kernels are registered on first use.
at::Tensor softcheck_cross_entropy(const at::Tensor& logits, const at::Tensor& targets,
                                   const std::string& kernel = kDefaultCrossEntropyKernel);

}  // namespace softcheck::training
