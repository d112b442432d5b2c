// XNNPACK's softmax operator (softmax_nc) as a softcheck kernel.
//
// The Debian build of XNNPACK (2022-02) offers softmax in f32 and qu8 only: no f16 softmax,
// no log_softmax, logsumexp or cross-entropy. softcheck registers
// xnnpack/softmax/f32/softmax-nc.
#pragma once

#include <string_view>

#include "kernels/kernel.hpp"

namespace softcheck::adapters::xnnpack {

inline constexpr std::string_view kProvider = "xnnpack";
inline constexpr std::string_view kAlgorithm = "softmax-nc";

// A kernel running xnn_create/setup/run of softmax_nc_f32 over the call's rows, on the
// calling thread (no pthreadpool). XNNPACK is initialised on the first call, so registering
// the kernel starts nothing. Rows map directly to XNNPACK's channels / input_stride /
// output_stride; the tensors are staged in buffers with the XNN_EXTRA_BYTES of readable
// padding that XNNPACK requires after them. Throws KernelFailure when XNNPACK reports an
// error.
KernelFn make_softmax_f32_kernel();

}  // namespace softcheck::adapters::xnnpack
