// Joining partial gate results: the gate checks each (format, family) unit on its own and
// joins the units' KernelResults in the run's order, so the result is the one a single pass
// over the units in that order gives (counts and declared passes summed, the worst error the
// first largest or the last NaN, the first reproducers_per_check violations of each check,
// the families' bias statistics in order).
#pragma once

#include <cstddef>

#include "checks/gate.hpp"

namespace softcheck {

// Adds `part` (the same kernel's results over later inputs) to `total`, keeping at most
// `reproducers_per_check` reproducers per check in all.
void merge_kernel_result(KernelResult& total, const KernelResult& part,
                         std::size_t reproducers_per_check);

}  // namespace softcheck
