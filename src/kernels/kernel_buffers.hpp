// The buffers of one kernel call on a batch: each input the op table lists for the op
// (core/op.hpp) packed in the batch's storage format with rows of `stride` elements, the
// output (rows x n at that stride, or one value per row) and one loss per row, and the
// KernelCall that points at them and at the batch's targets. Not copyable: the call points
// into the buffers.
#pragma once

#include <cstddef>
#include <vector>

#include "core/batch.hpp"
#include "kernels/kernel.hpp"

namespace softcheck {

struct KernelBuffers {
  KernelBuffers(Op op, const Batch& batch, std::size_t stride);
  KernelBuffers(const KernelBuffers&) = delete;
  KernelBuffers& operator=(const KernelBuffers&) = delete;

  PackedBatch input, out, loss;
  std::vector<PackedBatch> other_inputs;  // dy, Q, K, V, mask: in the order of OpSpec::inputs
  KernelCall call;
};

}  // namespace softcheck
