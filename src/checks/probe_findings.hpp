// What the probes that call a kernel once more on a gate batch share (in_place.hpp,
// repeat.hpp): running the call with its failure caught, the crash finding of a call that
// failed, and the bit-for-bit comparison of one row against an earlier result.
#pragma once

#include <cstddef>
#include <string>

#include "checks/zero_size.hpp"  // ProbeFinding, ProbeReport
#include "core/batch.hpp"
#include "kernels/kernel.hpp"

namespace softcheck {

// Runs the call; a failure's message ("threw: ..." for an exception other than
// KernelFailure), or empty when it completed.
std::string run_probe_call(const Kernel& kernel, const KernelCall& call);

// `report` with one crash finding for `call` ("in place", "second call"), which failed.
ProbeReport with_crash(ProbeReport report, const Batch& batch, const char* call,
                       const std::string& message);

// Row r of `got` against the same row of `want`, bit for bit (NaN payloads included): a
// finding of `check` for `call` and `output` that passes when the row is identical, and
// otherwise names the first differing column (got, expected, their distance in ulps, at
// least 1, +inf with a NaN or inf) and "<count> of <n> <differ>" as its message.
ProbeFinding bitwise_row_finding(Check check, const char* call, const char* output,
                                 const Batch& batch, const PackedBatch& want,
                                 const PackedBatch& got, std::size_t r, const std::string& differ);

}  // namespace softcheck
