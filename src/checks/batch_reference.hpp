// Correctly rounded references for every row of a batch, computed on several threads.
#pragma once

#include <vector>

#include "core/batch.hpp"
#include "reference/reference.hpp"

namespace softcheck {

std::vector<reference::RowReference> reference_batch(const Batch& batch, unsigned threads);

}  // namespace softcheck
