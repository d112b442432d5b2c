// Joining partial gate results: the gate checks each (format, family) unit on its own, and the
// zero-size calls apart, and joins these parts of each kernel in the run's order (zero-size
// calls first, then the units in unit_order), so the result is the one a single pass in that
// order gives: counts and declared passes summed, the worst error the first largest or the
// last NaN, the first reproducers_per_check violations of each check, the families' bias
// statistics in order. The parts of the shards of a sharded run join the same way
// (`softcheck merge`).
#pragma once

#include <cstddef>

#include "checks/element_check.hpp"
#include "checks/gate.hpp"

namespace softcheck {

// Counts `m` in its check's statistics; true when it is a violation to keep as a reproducer
// (fewer than `reproducers_per_check` of its check kept so far).
bool count_measurement(KernelResult& result, const Measurement& m,
                       std::size_t reproducers_per_check);

// Adds `part` (the same kernel's results over later inputs) to `total`, keeping at most
// `reproducers_per_check` reproducers per check in all.
void merge_kernel_result(KernelResult& total, const KernelResult& part,
                         std::size_t reproducers_per_check);

// Every kernel's parts joined in the run's order; then, with decide_bias, the rounding-bias
// check of each tested family (whose union bound counts every kernel's tested families) and
// the verdicts. Without it (one shard's parts) the bias check is left out of the counts and
// verdicts, which are then only this share's.
GateResult join_gate_parts(const GateParts& parts, std::size_t reproducers_per_check,
                           bool decide_bias = true);

}  // namespace softcheck
