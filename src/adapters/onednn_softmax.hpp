// oneDNN's softmax_v2 forward primitive as softcheck kernels.
//
// oneDNN 2.6 offers softmax and log_softmax (softmax_v2 with algorithm softmax_accurate /
// softmax_log), forward and backward, in f32 and bf16 on CPU (bf16 only where the ISA has
// it); no logsumexp, no cross-entropy, no f64. softcheck registers the forward ops only: its
// cross_entropy op is loss + gradient with respect to the logits, which oneDNN's softmax
// backward (dL/dx from a given dL/dy) is not.
#pragma once

#include <string_view>

#include "kernels/kernel.hpp"

namespace softcheck::adapters::onednn {

inline constexpr std::string_view kProvider = "onednn";
inline constexpr std::string_view kAlgorithm = "softmax-v2";

// Whether this build of oneDNN, on this CPU, has a softmax_v2 forward implementation for
// the op (softmax or log_softmax) and format. Creates a primitive descriptor, which starts
// no threads and generates no code.
bool supports(Op op, Format format);

// A kernel running softmax_v2 forward (inference) over the call's rows as one rows x n
// tensor. The rows are copied to a dense buffer and back: oneDNN dispatches a strided
// tensor (stride > n) to its slow reference implementation, and softcheck checks the code
// that users of a dense tensor get. Throws KernelFailure when oneDNN reports an error.
KernelFn make_kernel(Op op, Format format);

}  // namespace softcheck::adapters::onednn
