// Run-twice calls (softcheck gate --run-twice; benchdnn's bitwise mode): the gate calls the
// kernel a second time on the same batch, into fresh buffers, and requires every output -
// per-element outputs, per-row values and losses - bit for bit (NaN payloads included) the
// same as the first call's. A multi-threaded kernel whose reduction order depends on
// scheduling fails here even when both results are within the contract.
//
// One finding per row under Check::deterministic: it passes when the row is identical;
// otherwise it names the first differing output (got: the second call, expected: the first)
// and how many differ. A second call that fails is one `crash` finding.
#pragma once

#include "checks/zero_size.hpp"  // ProbeFinding, ProbeReport
#include "core/batch.hpp"
#include "kernels/kernel.hpp"
#include "kernels/kernel_buffers.hpp"

namespace softcheck {

// Calls `kernel` again on `batch` (packed as `first` was, at its stride) and compares its
// outputs with `first`'s, which hold the first call's results.
ProbeReport probe_repeat(const Kernel& kernel, const Batch& batch, const KernelBuffers& first);

}  // namespace softcheck
