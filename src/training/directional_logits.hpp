// a = J_z · v: the derivative of a batch of logits z(θ) along a parameter-space direction v,
// as one Jacobian-vector product by the double-backward trick. With u a dummy cotangent of
// z's shape, g(u) = J_zᵀu is linear in u, so ∂/∂u (v·g(u)) = J_z v. Costs two backward
// passes over z's graph; works for every op with a twice-differentiable backward (ReLU,
// softmax attention, LayerNorm, BatchNorm in training mode, convolutions).
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

namespace softcheck::training {

// logits: [N, C] with a graph to `params` (not yet freed); direction: one tensor per
// parameter, same shapes (need not be unit). Returns a [N, C] (logits' dtype), detached.
// Parameters the logits do not depend on contribute nothing. The logits' graph is retained.
at::Tensor directional_logits(const at::Tensor& logits, const std::vector<at::Tensor>& params,
                              const std::vector<at::Tensor>& direction);

}  // namespace softcheck::training
