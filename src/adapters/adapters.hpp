// External kernel providers: real libraries (oneDNN, XNNPACK, libtorch), each compiled in
// when its Debian package is found. Their kernels run isolated in a child process
// (isolation.hpp), so a crash or hang is a reported failure, not the end of the gate.
#pragma once

#include "adapters/isolation.hpp"
#include "kernels/attention_kernel.hpp"
#include "kernels/kernel.hpp"

namespace softcheck {

// Registers the built-in kernels and every compiled-in adapter's kernels, the adapters'
// isolated under `isolation`. Idempotent (a kernel registered before keeps its options).
// Adapters' attention kernels go into AttentionRegistry::instance().
void register_all_kernels(Registry& registry, IsolationOptions isolation = {});

// Providers compiled into this binary, e.g. {"builtin", "onednn", "xnnpack", "torch"}.
std::vector<std::string> compiled_providers();

namespace adapters {
// Each is defined only when its library was found (SOFTCHECK_HAVE_<NAME>).
void register_onednn_kernels(Registry& registry, IsolationOptions isolation = {});
void register_xnnpack_kernels(Registry& registry, IsolationOptions isolation = {});
void register_torch_kernels(Registry& registry, IsolationOptions isolation = {});
// libtorch's attention kernels (torch/attention/...), isolated. Idempotent.
void register_torch_attention_kernels(AttentionRegistry& registry,
                                      IsolationOptions isolation = {});
}  // namespace adapters

}  // namespace softcheck
