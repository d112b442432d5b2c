// Cross-entropy from hidden states and a classifier matrix (the Cut Cross-Entropy setting):
// logits z_tv = <h_t, W_v> for tokens t < N, vocabulary entries v < V, hidden size d.
//   materialised: all N x V logits (and their gradient) in memory, then the loss and the
//                 gradients dL/dh = sum_v g_tv W_v, dL/dW_v = sum_t g_tv h_t, g = softmax - onehot.
//   chunked:      the logits of one block of B vocabulary entries at a time (B floats of
//                 scratch); pass 1 merges the blocks' (max, sum of exps) by log-add-exp
//                 (chunked_ce.hpp), pass 2 recomputes each block's logits, forms g and skips
//                 the block when every |g_tv| < threshold (eps/32 = 2^-28 for f32; 0: no
//                 filtering), so the block's gradient products are never computed.
// Both form each logit the same way (double accumulation of the d products, rounded to
// f32), exps and sums in double, gradients accumulated in double and rounded to f32, so
// unfiltered they agree to a few f32 ulps and the filter's cost is what remains:
// |error of dL/dW_v,k| <= threshold |h_tk| per token, |error of dL/dh_t| <= sum over skipped
// v of |g_tv| |W_v|. scratch_bytes reports each variant's temporary allocation (the logits
// and their gradient for materialised, one block for chunked); the inputs and gradient
// outputs are the same for both. Special values: not handled (finite inputs only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace softcheck::kernels {

struct HiddenCeProblem {
  const float* hidden = nullptr;      // N x d, row-major
  const float* classifier = nullptr;  // V x d, row-major
  const std::int64_t* targets = nullptr;
  std::size_t tokens = 0, dim = 0, vocab = 0;
};

struct HiddenCeResult {
  std::vector<float> loss;             // N
  std::vector<float> grad_hidden;      // N x d
  std::vector<float> grad_classifier;  // V x d
  std::size_t scratch_bytes = 0;
  std::size_t blocks_skipped = 0;  // chunked: (token, block) pairs filtered out
};

HiddenCeResult hidden_ce_materialised(const HiddenCeProblem& p);
HiddenCeResult hidden_ce_chunked(const HiddenCeProblem& p, std::size_t block, double threshold);

}  // namespace softcheck::kernels
