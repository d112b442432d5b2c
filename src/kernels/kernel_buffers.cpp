#include "kernels/kernel_buffers.hpp"

namespace softcheck {

KernelBuffers::KernelBuffers(Op op, const Batch& batch, std::size_t stride)
    : input(pack(batch, stride)),
      out(op.spec().has_element_output() ? make_output(batch.format, batch.rows, batch.n, stride)
                                         : make_output(batch.format, batch.rows, 1, 1)),
      loss(make_output(batch.format, batch.rows, 1, 1)),
      call{input.data(), out.data(), loss.data(), batch.targets.data(),
           batch.rows,   batch.n,    stride} {
  const OpSpec& spec = op.spec();
  other_inputs.reserve(spec.inputs.size());
  for (Input kind : spec.inputs) {
    if (kind == Input::logits || kind == Input::target) continue;
    other_inputs.push_back(pack_input(batch, kind, stride));
    call.inputs[static_cast<std::size_t>(kind)] = other_inputs.back().data();
  }
}

}  // namespace softcheck
