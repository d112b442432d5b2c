// The C interface between softcheck and its libtorch module (libsoftcheck_torch.so).
//
// libtorch is not linked into softcheck: loading it costs about a second of static
// initialisation, which every softcheck command would pay. Instead src/adapters/
// torch_kernels.cpp is built as a module that links libtorch, and torch_loader.cpp opens it
// (dlopen) the first time a torch kernel runs. Only plain C types cross the boundary.
#pragma once

#include <cstddef>

#include "kernels/kernel.hpp"

namespace softcheck::adapters::torch_adapter {

// Bumped whenever the functions below change; the loader refuses a module built otherwise.
inline constexpr int kAbiVersion = 2;  // 2: KernelCall carries the op table's other inputs; Op is its table index

inline constexpr const char* kAbiVersionSymbol = "softcheck_torch_abi_version";
using AbiVersionFn = int (*)();

// Runs `op` (an Op) in `format` (a Format) over the call's rows. Returns kRunOk, or kRunError
// with a one-line, NUL-terminated reason in message[0, message_size).
inline constexpr const char* kRunSymbol = "softcheck_torch_run";
using RunFn = int (*)(int op, int format, const KernelCall* call, char* message,
                      std::size_t message_size);
inline constexpr int kRunOk = 0;
inline constexpr int kRunError = 1;

}  // namespace softcheck::adapters::torch_adapter
