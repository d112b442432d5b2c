// Chunked (streamed) cross-entropy in the style of Cut Cross-Entropy (Wijmans et al. 2024):
// the vocabulary is processed block by block, each block's (max, sum of exps) merged into
// the running pair by log-add-exp, so no pass needs the whole row's max first:
//   merge (M, S) with (m_b, s_b):  M' = max(M, m_b),
//                                  S' = S e^(M - M') + s_b e^(m_b - M')
// (O, the sum over j != y, the target's competitors, merges the same way). Then
//   loss = (M - x_y) + log S,   grad_j = e^(x_j - M) / S (j != y),   grad_y = -O / S
// (summed directly, never softmax_y - 1). The backward pass skips every block where all
// |softmax_j - onehot_j| < threshold, writing 0 there: CCE's gradient filtering, with
// threshold eps(f32) / 32 = 2^-28 (Cut Cross-Entropy's eps(dtype)/32). Kernel
// builtin/cross_entropy/f32/chunked-b<B>-filter: f32 storage, double arithmetic (exps, the
// merged sums and the quotients), one rounding to f32.
//
// Accuracy: unfiltered outputs are within ~0.5 ulp + 2^-22 of the correctly rounded values;
// a filtered entry is off by its own value, below the threshold: the contract
// ("*/cross_entropy/*/chunked-*", contracts/builtin.json) accepts |error| <= eps/32.
// Special values: as cross_entropy (row.hpp): a NaN or +inf, or every logit -inf, gives NaN
// loss and gradient; a masked target gives loss +inf and gradient -1 there.
// make_chunked_ce(block, 100x threshold) is the planted bug of
// tests/unit/checks_chunked_ce_gate.cpp.
#pragma once

#include <cstddef>

#include "kernels/kernel.hpp"

namespace softcheck::kernels {

inline constexpr double kChunkedCeThreshold = 0x1p-28;  // eps(f32) / 32

KernelFn make_chunked_ce(std::size_t block, double threshold);  // f32 storage

// Registers builtin/cross_entropy/f32/chunked-b256-filter.
void register_chunked_ce_kernels(Registry& registry);

}  // namespace softcheck::kernels
