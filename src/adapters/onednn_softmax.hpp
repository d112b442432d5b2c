// oneDNN's softmax_v2 primitives as softcheck kernels.
//
// oneDNN 2.6 offers softmax and log_softmax (softmax_v2 with algorithm softmax_accurate /
// softmax_log), forward and backward, in f32 and bf16 on CPU (bf16 only where the ISA has
// it); no logsumexp, no cross-entropy, no f64. softcheck registers the forward ops as
// onednn/{softmax,log_softmax}/<format>/softmax-v2, and the backward through cross-entropy:
// onednn/cross_entropy/<format>/softmax-v2-log-bwd runs log_softmax forward, takes the loss
// as -log_softmax[target], and gets the gradient from the log_softmax backward with
// diff_dst = -onehot(target) (onednn_cross_entropy.cpp). The backward ops themselves are
// onednn/{softmax_backward,log_softmax_backward}/<format>/softmax-v2: softmax_v2 backward
// (softmax_accurate, softmax_log) on the y (log_y) and dy the call carries
// (onednn_backward.cpp).
#pragma once

#include <string_view>

#include "kernels/kernel.hpp"

namespace softcheck::adapters::onednn {

inline constexpr std::string_view kProvider = "onednn";
inline constexpr std::string_view kAlgorithm = "softmax-v2";
inline constexpr std::string_view kCrossEntropyAlgorithm = "softmax-v2-log-bwd";

// Whether this build of oneDNN, on this CPU, has a softmax_v2 forward implementation for
// the op (softmax or log_softmax) and format. Creates a primitive descriptor, which starts
// no threads and generates no code.
bool supports(Op op, Format format);

// A kernel running softmax_v2 forward (inference) over the call's rows as one rows x n
// tensor. The rows are copied to a dense buffer and back: oneDNN dispatches a strided
// tensor (stride > n) to its slow reference implementation, and softcheck checks the code
// that users of a dense tensor get. Throws KernelFailure when oneDNN reports an error.
KernelFn make_kernel(Op op, Format format);

// Whether oneDNN has softmax_log forward (training) and backward for the format.
bool supports_cross_entropy(Format format);

// cross_entropy from log_softmax forward + backward (see above). Throws KernelFailure when
// oneDNN reports an error.
KernelFn make_cross_entropy_kernel(Format format);

// Whether oneDNN has a softmax_v2 backward for the backward op (softmax_backward:
// softmax_accurate, log_softmax_backward: softmax_log) and format.
bool supports_backward(Op op, Format format);

// softmax_v2 backward over the call's rows as one rows x n tensor: dst = the call's y
// (softmax_backward) or log_y (log_softmax_backward), diff_dst = dy, out = diff_src. Dense
// copies in and out as for make_kernel. Throws KernelFailure when oneDNN reports an error.
KernelFn make_backward_kernel(Op op, Format format);

}  // namespace softcheck::adapters::onednn
