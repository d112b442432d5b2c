// The grokking MLP (as Prieto et al. 2025): 2p one-hot inputs -> 200 -> 200 -> p, ReLU, no
// biases, f32. Initialised like torch.nn.Linear's weights: U(−1/√fan_in, 1/√fan_in).
//
// The first layer multiplies the one-hot vector [e_a, e_b] by W1; that product is exactly
// W1[a] + W1[p + b] (every other term is an exact zero), so it is computed as two row
// lookups — the same forward values as the dense product, at a third less cost per step.
// Only the summation order of W1's gradient differs (rounding level).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace grokking {

class Mlp {
 public:
  Mlp(std::int64_t modulus, std::int64_t hidden);  // draws from torch's global generator
  // [N, p], f32; with f16_emulated, every op's output rounded to f16 (run_spec.hpp).
  at::Tensor logits(const at::Tensor& a, const at::Tensor& b, bool f16_emulated = false) const;
  std::vector<at::Tensor> parameters() const;
  double weight_norm() const;  // ‖(W1, W2, W3)‖₂ over all weights

 private:
  std::int64_t modulus_;
  at::Tensor w1_;  // [2p, hidden]: row i is the first layer's weights of input i
  at::Tensor w2_;  // [hidden, hidden]
  at::Tensor w3_;  // [hidden, p]
};

}  // namespace grokking
