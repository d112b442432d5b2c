// The references by op: one registration per op (op_references.cpp) says how its correctly
// rounded outputs are computed, so the gate, the CLI, the Python module and the stability
// report ask for "the reference of this op" and never branch on which op it is. Ops whose
// references come out of one computation (softmax, log_softmax, logsumexp and cross-entropy
// share the max, the sum and its logarithm) register together as a group.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "core/batch.hpp"
#include "core/loss_parameters.hpp"
#include "core/op.hpp"
#include "reference/reference.hpp"

namespace softcheck::reference {

// The exact outputs of one op on one row, shaped by its OpSpec::outputs.
struct OpRow {
  std::vector<Exact> elements;  // per-element outputs: the values, or the loss's gradient
  Exact value{NAN, NAN, NAN};   // the per-row output: logsumexp's value, or the loss
};

// One row's inputs, as the op table lists them.
struct RowInputs {
  std::span<const double> logits;
  std::size_t target = 0;
  std::array<std::span<const double>, kInputKinds> elements{};  // dy, q, ... (by Input)
  std::span<const double> operator[](Input input) const {
    return input == Input::logits ? logits : elements[static_cast<std::size_t>(input)];
  }
};
RowInputs row_inputs(const Batch& batch, std::size_t row);

// Computes every op of a group on one row, one OpRow per op in the group's order.
using GroupEvaluator = std::function<std::vector<OpRow>(
    const RowInputs& row, Format format, const LossParameters& parameters,
    const ReferenceOptions& options)>;

struct ReferenceGroup {
  std::vector<Op> ops;
  GroupEvaluator evaluate;
  bool uses_parameters = false;  // false: one computation serves every parameter set
};

// Registers the reference of `group.ops` (each op in at most one group). The built-in ops'
// groups are registered on first use; an op added with register_op registers its own.
void register_reference(ReferenceGroup group);
// The group that computes `op`; throws std::invalid_argument if none is registered.
const ReferenceGroup& reference_group(Op op);
bool has_reference(Op op);
// Where `op` sits in reference_group(op).ops.
std::size_t position_in_group(Op op);

// The reference of one op on one row.
OpRow evaluate_op_row(Op op, const RowInputs& row, Format format,
                      const LossParameters& parameters = {}, const ReferenceOptions& options = {});

// The references of every op of a group on every row of a batch, on `threads` threads:
// result[i][r] is op group.ops[i] on row r.
std::vector<std::vector<OpRow>> evaluate_group_batch(const ReferenceGroup& group,
                                                     const Batch& batch,
                                                     const LossParameters& parameters,
                                                     const ReferenceOptions& options,
                                                     unsigned threads);

}  // namespace softcheck::reference
