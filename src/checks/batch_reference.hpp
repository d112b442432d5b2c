// Correctly rounded references for every row of a batch, computed on several threads.
#pragma once

#include <vector>

#include "core/batch.hpp"
#include "reference/loss_family_reference.hpp"
#include "reference/reference.hpp"
#include "reference/stablemax_reference.hpp"

namespace softcheck {

// The softmax family (softmax, log_softmax, logsumexp, cross-entropy) of every row; with
// fast_path false every row in MPFR (reference::ReferenceOptions::fast_path).
std::vector<reference::RowReference> reference_batch(const Batch& batch, unsigned threads,
                                                     bool fast_path = true);
// StableMax, log-StableMax and StCE of every row (fast_path as above).
std::vector<reference::StableMaxReference> stablemax_reference_batch(const Batch& batch,
                                                                     unsigned threads,
                                                                     bool fast_path = true);
// The loss `kind` with `parameters` (comp-sum, BCE, temperature cross-entropy) of every row.
std::vector<reference::LossReference> loss_reference_batch(const Batch& batch,
                                                           reference::LossKind kind,
                                                           const LossParameters& parameters,
                                                           unsigned threads);

}  // namespace softcheck
