// The C interface between softcheck and its libtorch module (libsoftcheck_torch.so).
//
// libtorch is not linked into softcheck: loading it costs about a second of static
// initialisation, which every softcheck command would pay. Instead src/adapters/
// torch_kernels.cpp is built as a module that links libtorch, and torch_loader.cpp opens it
// (dlopen) the first time a torch kernel runs. Only plain C types cross the boundary.
#pragma once

#include <cstddef>

#include "kernels/attention_kernel.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::adapters::torch_adapter {

// Bumped whenever the functions below change; the loader refuses a module built otherwise.
// 2: KernelCall carries the op table's other inputs; Op is its table index.
// 3: softcheck_torch_run_masked_softmax and softcheck_torch_run_attention.
// 4: softcheck_torch_run runs softmax_backward and log_softmax_backward (y or log_y, and dy).
inline constexpr int kAbiVersion = 4;

inline constexpr const char* kAbiVersionSymbol = "softcheck_torch_abi_version";
using AbiVersionFn = int (*)();

// Runs `op` (an Op) in `format` (a Format) over the call's rows. Returns kRunOk, or kRunError
// with a one-line, NUL-terminated reason in message[0, message_size).
inline constexpr const char* kRunSymbol = "softcheck_torch_run";
using RunFn = int (*)(int op, int format, const KernelCall* call, char* message,
                      std::size_t message_size);
inline constexpr int kRunOk = 0;
inline constexpr int kRunError = 1;

// Softmax over the call's rows (format f64 or f32) by at::_masked_softmax: each row's -inf
// entries become the mask (True = masked) and are replaced by 0 in the input. Returns as RunFn.
inline constexpr const char* kRunMaskedSoftmaxSymbol = "softcheck_torch_run_masked_softmax";
using RunMaskedSoftmaxFn = int (*)(int format, const KernelCall* call, char* message,
                                   std::size_t message_size);

// The attention algorithms of the module, by number.
//   sdpa_math:  at::_scaled_dot_product_attention_math(q, k, v, mask, 0, false, false)
//   native_mha: at::_native_multi_head_attention with identity projections, one head
enum class AttentionAlgorithm : int { sdpa_math = 0, native_mha = 1 };

// Runs one head (kernels/attention_kernel.hpp) with `algorithm` (an AttentionAlgorithm) in
// `format` (a Format): writes call->out, never call->lse. Returns as RunFn; a case the
// algorithm cannot compute as given (a scale other than 1/sqrt(d), a softcap, ...) is an
// error, not an approximation.
inline constexpr const char* kRunAttentionSymbol = "softcheck_torch_run_attention";
using RunAttentionFn = int (*)(int algorithm, int format, const AttentionCall* call,
                               char* message, std::size_t message_size);

}  // namespace softcheck::adapters::torch_adapter
