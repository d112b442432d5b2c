// Which checks the gate runs on each op's outputs: one list per op (op_checks.cpp), keyed by
// the op table. An op without a registered list gets the one its OpSpec implies.
#pragma once

#include <vector>

#include "core/op.hpp"

namespace softcheck {

enum class OutputCheck {
  elements,    // every per-element output against its reference (accuracy, subnormal, special)
  bounded_elements,  // the same, each finite one within the op's element bound
                     // (checks/element_bounds.hpp; accuracy in units of the bound)
  sum_to_one,  // the per-element outputs sum to one (a probability distribution)
  ranking,     // the per-element outputs keep the logits' order (behaviour_checks.hpp)
  descent,     // the gradient is a descent direction of the exact loss (behaviour_checks.hpp)
  row_value,   // the per-row output ("out") against its reference
  loss,        // the loss ("loss") against its reference
  risk_order,  // losses of consecutive rows keep the order of the exact losses
};

// The checks of `op`, in the order the gate runs them on a row (risk_order after the rows).
std::vector<OutputCheck> checks_of(Op op);
// Replaces the list of `op` (an op added with register_op registers its own, or takes the
// default its outputs imply: elements; row_value; or elements, loss and risk_order).
void register_checks(Op op, std::vector<OutputCheck> checks);

}  // namespace softcheck
