#include "checks/op_checks.hpp"

#include <map>

namespace softcheck {
namespace {

using enum OutputCheck;

std::vector<OutputCheck> implied_by(const OpSpec& spec) {
  switch (spec.outputs) {
    case Outputs::per_row: return {row_value};
    case Outputs::loss_and_gradient: return {elements, loss, risk_order};
    case Outputs::per_element: return {elements};
    case Outputs::attention: return {};  // the attention gate's own checks (attention_gate.hpp)
  }
  return {elements};
}

std::map<Op, std::vector<OutputCheck>>& lists() {
  const std::vector<OutputCheck> distribution{elements, sum_to_one, ranking};
  const std::vector<OutputCheck> log_distribution{elements, ranking};
  const std::vector<OutputCheck> loss_with_gradient{elements, descent, loss, risk_order};
  static std::map<Op, std::vector<OutputCheck>> registered{
      {Op::softmax, distribution},
      {Op::log_softmax, log_distribution},
      {Op::logsumexp, {row_value}},
      {Op::cross_entropy, loss_with_gradient},
      {Op::stablemax, distribution},
      {Op::log_stablemax, log_distribution},
      {Op::stablemax_cross_entropy, loss_with_gradient},
      {Op::comp_sum, loss_with_gradient},
      {Op::sigmoid_bce, loss_with_gradient},
      {Op::temperature_cross_entropy, loss_with_gradient},
      {Op::z_loss, loss_with_gradient},
      // sigmoid(x_j - log n) is no distribution: its outputs need not sum to one.
      {Op::sigmoid_normaliser, {elements, ranking}},
      {Op::softplus_normaliser, distribution},
      {Op::temperature_softmax, distribution},
      // Their outputs cancel: held to bounds from their conditioning (element_bounds.hpp).
      {Op::softmax_backward, {bounded_elements}},
      {Op::log_softmax_backward, {bounded_elements}},
  };
  return registered;
}

}  // namespace

std::vector<OutputCheck> checks_of(Op op) {
  const auto& registered = lists();
  const auto it = registered.find(op);
  return it != registered.end() ? it->second : implied_by(op.spec());
}

void register_checks(Op op, std::vector<OutputCheck> checks) { lists()[op] = std::move(checks); }

}  // namespace softcheck
