// The built-in ops' reference registrations: the one place in reference/ that says which
// computation gives which op's outputs.
#include <algorithm>
#include <map>
#include <stdexcept>

#include "core/parallel.hpp"
#include "reference/backward_reference.hpp"
#include "reference/loss_family_reference.hpp"
#include "reference/op_reference.hpp"
#include "reference/stablemax_reference.hpp"
#include "reference/thread_caches.hpp"

namespace softcheck::reference {
namespace {

OpRow elements(std::vector<Exact>&& values) { return {std::move(values), {NAN, NAN, NAN}}; }
OpRow value(const Exact& v) { return {{}, v}; }
OpRow loss(const Exact& loss, std::vector<Exact>&& gradient) { return {std::move(gradient), loss}; }

ReferenceGroup softmax_group() {
  return {{Op::softmax, Op::log_softmax, Op::logsumexp, Op::cross_entropy},
          [](const RowInputs& row, Format format, const LossParameters&,
             const ReferenceOptions& options) {
            RowReference r = evaluate_row(row.logits, format, row.target, options);
            std::vector<OpRow> out;
            out.reserve(4);  // one allocation per row, not three as the vector grows
            out.push_back(elements(std::move(r.softmax)));
            out.push_back(elements(std::move(r.log_softmax)));
            out.push_back(value(r.logsumexp));
            out.push_back(loss(r.ce_loss, std::move(r.ce_gradient)));
            return out;
          },
          false};
}

ReferenceGroup stablemax_group() {
  return {{Op::stablemax, Op::log_stablemax, Op::stablemax_cross_entropy},
          [](const RowInputs& row, Format format, const LossParameters&,
             const ReferenceOptions& options) {
            StableMaxReference r = evaluate_stablemax_row(row.logits, format, row.target, options);
            std::vector<OpRow> out;
            out.reserve(3);
            out.push_back(elements(std::move(r.stablemax)));
            out.push_back(elements(std::move(r.log_stablemax)));
            out.push_back(loss(r.loss, std::move(r.gradient)));
            return out;
          },
          false};
}

// A backward op on the forward output it is given (`forward`: y or log_y) and dy.
template <auto evaluate_backward>
ReferenceGroup backward_group(Op op, Input forward) {
  return {{op},
          [forward](const RowInputs& row, Format format, const LossParameters&,
                    const ReferenceOptions& options) {
            std::vector<OpRow> out;
            out.push_back(elements(evaluate_backward(row[forward], row[Input::dy], format, options)));
            return out;
          },
          false};
}

// A parametrised loss or normaliser: its own group (loss_family_reference.hpp); the
// normalisers' outputs are LossReference::gradient and they have no loss.
ReferenceGroup loss_group(Op op, LossKind kind) {
  return {{op},
          [op, kind](const RowInputs& row, Format format, const LossParameters& parameters,
                     const ReferenceOptions& options) {
            LossReference r = evaluate_loss_row(kind, parameters, row.logits, format, row.target,
                                                options);
            std::vector<OpRow> out;
            out.push_back(op.spec().has_loss() ? loss(r.loss, std::move(r.gradient))
                                               : elements(std::move(r.gradient)));
            return out;
          },
          true};
}

struct Groups {
  std::vector<ReferenceGroup> groups;
  std::map<Op, std::pair<std::size_t, std::size_t>> where;  // op -> (group, position)

  Groups() {
    add(softmax_group());
    add(stablemax_group());
    add(loss_group(Op::comp_sum, LossKind::comp_sum));
    add(loss_group(Op::sigmoid_bce, LossKind::sigmoid_bce));
    add(loss_group(Op::temperature_cross_entropy, LossKind::temperature_cross_entropy));
    add(loss_group(Op::z_loss, LossKind::z_loss));
    add(loss_group(Op::sigmoid_normaliser, LossKind::sigmoid_normaliser));
    add(loss_group(Op::softplus_normaliser, LossKind::softplus_normaliser));
    add(loss_group(Op::temperature_softmax, LossKind::temperature_softmax));
    add(backward_group<softmax_backward_row>(Op::softmax_backward, Input::y));
    add(backward_group<log_softmax_backward_row>(Op::log_softmax_backward, Input::log_y));
  }

  void add(ReferenceGroup group) {
    if (group.ops.empty() || !group.evaluate)
      throw std::invalid_argument("softcheck: a reference group needs ops and an evaluator");
    for (Op op : group.ops)
      if (where.contains(op))
        throw std::invalid_argument("softcheck: op '" + std::string(name(op)) +
                                    "' already has a reference");
    for (std::size_t i = 0; i < group.ops.size(); ++i) where[group.ops[i]] = {groups.size(), i};
    groups.push_back(std::move(group));
  }
};

// result[r] = evaluate(r) for every row r of `batch`, on up to `threads` threads; the first
// exception a row throws is rethrown.
template <class Result, class Evaluate>
std::vector<Result> evaluate_rows(const Batch& batch, unsigned threads, Evaluate evaluate) {
  std::vector<Result> rows(batch.rows);
  parallel_for(batch.rows, threads, [&](std::size_t r) {
    release_mpfr_caches_at_thread_exit();  // this thread's MPFR caches, when it ends
    rows[r] = evaluate(r);
  });
  return rows;
}

Groups& registry() {
  static Groups groups;
  return groups;
}

const std::pair<std::size_t, std::size_t>& locate(Op op) {
  const auto it = registry().where.find(op);
  if (it == registry().where.end())
    throw std::invalid_argument("softcheck: no reference registered for op '" +
                                std::string(name(op)) + "'");
  return it->second;
}

}  // namespace

RowInputs row_inputs(const Batch& batch, std::size_t row) {
  RowInputs inputs;
  inputs.logits = batch.row(row);
  inputs.target = batch.n > 0 ? static_cast<std::size_t>(batch.targets[row]) : 0;
  for (std::size_t i = 0; i < kInputKinds; ++i)
    if (!batch.inputs[i].empty()) inputs.elements[i] = batch.input_row(static_cast<Input>(i), row);
  return inputs;
}

void register_reference(ReferenceGroup group) { registry().add(std::move(group)); }

const ReferenceGroup& reference_group(Op op) { return registry().groups[locate(op).first]; }

bool has_reference(Op op) { return registry().where.contains(op); }

std::size_t position_in_group(Op op) { return locate(op).second; }

OpRow evaluate_op_row(Op op, const RowInputs& row, Format format,
                      const LossParameters& parameters, const ReferenceOptions& options) {
  release_mpfr_caches_at_thread_exit();
  std::vector<OpRow> all = reference_group(op).evaluate(row, format, parameters, options);
  return std::move(all.at(position_in_group(op)));
}

std::vector<std::vector<OpRow>> evaluate_group_batch(const ReferenceGroup& group,
                                                     const Batch& batch,
                                                     const LossParameters& parameters,
                                                     const ReferenceOptions& options,
                                                     unsigned threads) {
  std::vector<std::vector<OpRow>> by_row = evaluate_rows<std::vector<OpRow>>(
      batch, threads, [&](std::size_t r) {
        return group.evaluate(row_inputs(batch, r), batch.format, parameters, options);
      });
  std::vector<std::vector<OpRow>> by_op(group.ops.size(), std::vector<OpRow>(batch.rows));
  for (std::size_t r = 0; r < batch.rows; ++r)
    for (std::size_t i = 0; i < by_op.size() && i < by_row[r].size(); ++i)
      by_op[i][r] = std::move(by_row[r][i]);
  return by_op;
}

}  // namespace softcheck::reference
