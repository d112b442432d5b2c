// Opening the libtorch module (libsoftcheck_torch.so, see torch_abi.hpp) and kernels that
// call into it. Nothing here includes libtorch's headers or links libtorch.
#pragma once

#include "adapters/torch_abi.hpp"
#include "kernels/attention_kernel.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::adapters::torch_adapter {

// Opens the module once per process; later calls return at once. Where from, first found:
//   1. $SOFTCHECK_TORCH_MODULE (a path to the module), when set and not empty;
//   2. the installed layout, relative to the running executable (bin/../lib/softcheck/);
//   3. the build tree the executable was built in.
// Throws KernelFailure naming the paths tried, or the loader's error.
void load_module();

// A kernel running `op` in `format` through the module, which it opens on its first call. An
// error libtorch reports becomes KernelFailure("torch: <first line of the message>").
KernelFn make_kernel(Op op, Format format);

// Softmax in `format` (f64, f32) by at::_masked_softmax, the rows' -inf entries as the mask
// (softcheck_torch_run_masked_softmax). Errors as for make_kernel.
KernelFn make_masked_softmax_kernel(Format format);

// One attention head by `algorithm` in `format` (softcheck_torch_run_attention). Errors as for
// make_kernel.
AttentionFn make_attention_kernel(AttentionAlgorithm algorithm, Format format);

}  // namespace softcheck::adapters::torch_adapter
