// External kernel providers: real libraries (oneDNN, XNNPACK, libtorch), each compiled in
// when its Debian package is found. Their kernels run isolated in a child process
// (isolation.hpp), so a crash or hang is a reported failure, not the end of the gate.
#pragma once

#include "kernels/kernel.hpp"

namespace softcheck {

// Registers the built-in kernels and every compiled-in adapter's kernels. Idempotent.
void register_all_kernels(Registry& registry);

// Providers compiled into this binary, e.g. {"builtin", "onednn", "xnnpack", "torch"}.
std::vector<std::string> compiled_providers();

namespace adapters {
// Each is defined only when its library was found (SOFTCHECK_HAVE_<NAME>).
void register_onednn_kernels(Registry& registry);
void register_xnnpack_kernels(Registry& registry);
void register_torch_kernels(Registry& registry);
}  // namespace adapters

}  // namespace softcheck
