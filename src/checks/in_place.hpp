// In-place calls: a kernel whose contract declares in_place is called with its output buffer
// equal to its input (out == x) and must give, bit for bit, what it gives out of place.
//
// Only ops with per-element outputs (Outputs::per_element: softmax, log_softmax, stablemax,
// the normalisers ...) are probed: their output has the input's shape. probe_in_place packs
// the batch twice at `stride`, runs the kernel out of place on one copy and in place on the
// other (the call's out pointing at that copy's logits), and compares the n outputs of every
// row byte for byte (NaN payloads included). One finding per row: it passes when the row is
// identical; otherwise it names the first differing element (got: in place, expected: out of
// place) and how many differ, under Check::in_place (neither an accuracy measurement - both
// results may be within the contract - nor a failed call). A call that fails (an isolated
// kernel's KernelFailure, or an exception) is one `crash` finding for the in-place call, or
// for the out-of-place one.
//
// Isolated kernels keep the aliasing: isolation passes out == x to the worker as one buffer
// (adapters/isolation.hpp).
#pragma once

#include <cstddef>

#include "checks/contract.hpp"
#include "checks/zero_size.hpp"  // ProbeFinding, ProbeReport
#include "core/batch.hpp"
#include "kernels/kernel.hpp"

namespace softcheck {

// Elements after each row of the gate's output buffers that a kernel must not touch (the gate
// and the in-place check lay rows out with this padding and check it stays untouched).
inline constexpr std::size_t kRowPadding = 3;

// Whether `kernel` can be called in place at all (its op has per-element outputs only).
bool in_place_applies(const Kernel& kernel);

// Probes `batch` when contract.in_place and in_place_applies(kernel); an empty report
// otherwise. stride 0: batch.n + 3 (the gate's padding). The batch needs the op's other
// inputs (add_op_inputs) if it takes any.
ProbeReport probe_in_place(const Kernel& kernel, const Contract& contract, const Batch& batch,
                           std::size_t stride = 0);
// The same, against an out-of-place result the caller already has (the gate's `out` of the
// batch, packed at out_of_place.stride): one kernel call instead of two.
ProbeReport probe_in_place(const Kernel& kernel, const Contract& contract, const Batch& batch,
                           const PackedBatch& out_of_place);

}  // namespace softcheck
