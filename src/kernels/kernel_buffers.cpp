#include "kernels/kernel_buffers.hpp"

namespace softcheck {

KernelBuffers::KernelBuffers(Op op, const Batch& batch, std::size_t stride)
    : input(pack(batch, stride)),
      out(has_row_output(op) ? make_output(batch.format, batch.rows, 1, 1)
                             : make_output(batch.format, batch.rows, batch.n, stride)),
      loss(make_output(batch.format, batch.rows, 1, 1)),
      call{input.data(), out.data(), loss.data(), batch.targets.data(),
           batch.rows,   batch.n,    stride} {}

}  // namespace softcheck
