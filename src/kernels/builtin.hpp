// Factories of the built-in kernels, one per algorithm family: each returns the KernelFn
// that runs `op` on rows stored in `format` (builtin_registry.cpp decides which
// combinations are registered, and under which names).
#pragma once

#include "kernels/kernel.hpp"

namespace softcheck::kernels {

KernelFn make_naive(Op op, Format format);                 // naive.cpp
KernelFn make_three_pass_recompute(Op op, Format format);  // three_pass.cpp
KernelFn make_three_pass_reload(Op op, Format format);     // three_pass.cpp; op != logsumexp
KernelFn make_two_pass(Op op, Format format);              // two_pass.cpp
KernelFn make_online(Op op, Format format);                // online.cpp
KernelFn make_stablemax_two_pass(Op op, Format format);    // stablemax.cpp; StableMax ops

// The parametrised losses (comp_sum.hpp, sigmoid_bce.hpp, temperature_ce.hpp).
void register_loss_family_kernels(Registry& registry);     // loss_family_registry.cpp
// Unified-max softmax (unified_max.hpp), f32/bf16/f16 with the default window.
void register_unified_max_kernels(Registry& registry);     // unified_max_registry.cpp

}  // namespace softcheck::kernels
