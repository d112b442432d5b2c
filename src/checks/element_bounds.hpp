// Ops whose per-element outputs are held to a bound derived from their conditioning instead
// of the contract's ulp terms (the backward ops: their outputs cancel, so no element-relative
// bound holds; proofs/backward-contract.md). The op registers a function giving the allowed
// absolute error of every element of a row; the gate's OutputCheck::bounded_elements measures
// each finite element's error in units of it (accuracy, <= 1 passes) and holds non-finite
// references to the special-value table as `elements` does.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "core/format.hpp"
#include "core/op.hpp"
#include "reference/op_reference.hpp"

namespace softcheck {

// The allowed |out_i - exact_i| of each element of one row (+inf: vacuous), from the row's
// inputs and its exact outputs.
using ElementBound = std::function<std::vector<double>(
    const reference::RowInputs& row, std::span<const reference::Exact> exact, Format format)>;

void register_element_bound(Op op, ElementBound bound);
// The bound of `op`; throws std::invalid_argument if none is registered.
const ElementBound& element_bound(Op op);

}  // namespace softcheck
