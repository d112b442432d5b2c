// Softmax backward kernels (Op::softmax_backward, Op::log_softmax_backward; references:
// src/reference/backward_reference.hpp):
//   softmax_backward:     out_i = y_i * (dy_i - s),           s = <y, dy> = sum_j y_j dy_j
//   log_softmax_backward: out_i = dy_i - exp(log_y_i) * S,    S = sum_j dy_j
//
// Both are two passes over the row: pass 1 reduces (s or S), pass 2 writes every output.
// f64 kernels compute in double; f32, bf16 and f16 load to float, compute in float and round
// once on store (kernels/element.hpp). exp is the C library's (std::exp in the accumulation
// type). The contract (checks/backward_contract.hpp, proofs/backward-contract.md) covers any
// summation order, so the algorithms differ only in pass 1:
//   two-pass  one recursive accumulator, in index order;
//   blocked   kBlockLanes independent partial sums (lane j mod kBlockLanes) added pairwise at
//             the end: no loop-carried dependency on one register, so the compiler
//             vectorises pass 1.
// Special values come from IEEE arithmetic alone and agree with the reference's table: a NaN
// or an inf * 0 product makes s NaN and the whole softmax_backward row NaN; an infinite s gives
// +-inf, or NaN where y_i = 0 or dy_i is the same infinity; a NaN in dy makes the whole
// log_softmax_backward row NaN, a NaN log_y only its element, and an exp that underflows to 0
// in the accumulation type (exp(-inf) included) times an infinite S is NaN, as the table has
// it. Rows with n = 0 and calls with rows = 0 touch nothing; no kernel reads the logits or
// writes past n in a row.
#pragma once

#include <cmath>
#include <cstddef>

#include "kernels/kernel.hpp"

namespace softcheck::kernels {

inline constexpr std::size_t kBlockLanes = 8;

// op is Op::softmax_backward or Op::log_softmax_backward (std::invalid_argument otherwise).
KernelFn make_backward_two_pass(Op op, Format format);
KernelFn make_backward_blocked(Op op, Format format);

// Registers builtin/<op>/<format>/two-pass and builtin/<op>/<format>/blocked for both backward
// ops in every format. Idempotent.
void register_backward_kernels(Registry& registry);

}  // namespace softcheck::kernels
