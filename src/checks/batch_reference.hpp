// The softmax-family and StableMax references of every row of a batch, on several threads,
// in their own structures (the gate takes them by op: batch_references.hpp). For the
// property tests and analyses/perf/verify_throughput.
#pragma once

#include <vector>

#include "core/batch.hpp"
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
}  // namespace softcheck
