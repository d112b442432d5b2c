#include "core/op.hpp"

#include <algorithm>
#include <deque>
#include <stdexcept>

namespace softcheck {
namespace {

using enum Input;
using enum Parameter;

// The built-in ops, in the index order of the Op constants. plugin_code: SOFTCHECK_OP_* in
// include/softcheck/plugin.h.
std::vector<OpSpec> builtin_ops() {
  const std::vector<Input> logits_only{logits}, with_target{logits, target};
  return {
      {"softmax", "softmax", logits_only, Outputs::per_element, {}, 0, true, true},
      {"log_softmax", "softmax", logits_only, Outputs::per_element, {}, 1, true, false},
      {"logsumexp", "softmax", logits_only, Outputs::per_row, {}, 2, true, false},
      {"cross_entropy", "softmax", with_target, Outputs::loss_and_gradient, {}, 3, true, false},
      {"stablemax", "stablemax", logits_only, Outputs::per_element, {}, 4, true, true},
      {"log_stablemax", "stablemax", logits_only, Outputs::per_element, {}, 5, true, false},
      {"stablemax_cross_entropy", "stablemax", with_target, Outputs::loss_and_gradient, {}, 6,
       true, false},
      {"comp_sum", "loss", with_target, Outputs::loss_and_gradient, {tau}, -1, false, false},
      {"sigmoid_bce", "loss", with_target, Outputs::loss_and_gradient, {}, -1, false, false},
      {"temperature_cross_entropy", "loss", with_target, Outputs::loss_and_gradient,
       {temperature}, -1, false, false},
      {"z_loss", "loss", with_target, Outputs::loss_and_gradient, {a, b}, -1, false, false},
      // sigmoid(x_j - log n) does not sum to one; softplus's normaliser does.
      {"sigmoid_normaliser", "normaliser", logits_only, Outputs::per_element, {}, -1, false,
       false},
      {"softplus_normaliser", "normaliser", logits_only, Outputs::per_element, {}, -1, false,
       true},
      {"temperature_softmax", "normaliser", logits_only, Outputs::per_element, {temperature},
       -1, false, true},
  };
}

// A deque: register_op never moves the specs that Op::spec() handed out.
struct Table {
  std::deque<OpSpec> specs;
  std::vector<Op> ops;
  Table() {
    for (OpSpec& spec : builtin_ops()) add(std::move(spec));
  }
  Op add(OpSpec spec) {
    const Op op(static_cast<std::uint16_t>(specs.size()));
    specs.push_back(std::move(spec));
    ops.push_back(op);
    return op;
  }
};

Table& table() {
  static Table t;
  return t;
}

}  // namespace

std::string_view name(Input input) {
  static constexpr std::string_view kNames[kInputKinds] = {"input", "target", "dy", "q",
                                                           "k",     "v",      "mask"};
  return kNames[static_cast<std::size_t>(input)];
}

std::string_view name(Outputs outputs) {
  static constexpr std::string_view kNames[] = {"per_element", "per_row", "loss_and_gradient"};
  return kNames[static_cast<std::size_t>(outputs)];
}

std::string_view name(Parameter parameter) {
  static constexpr std::string_view kNames[] = {"tau", "a", "b", "temperature"};
  return kNames[static_cast<std::size_t>(parameter)];
}

bool OpSpec::takes(Input input) const {
  return std::find(inputs.begin(), inputs.end(), input) != inputs.end();
}

const OpSpec& Op::spec() const {
  Table& t = table();
  if (index_ >= t.specs.size()) throw std::out_of_range("softcheck: op index out of the table");
  return t.specs[index_];
}

const std::vector<Op>& all_ops() { return table().ops; }

Op register_op(OpSpec spec) {
  if (spec.name.empty()) throw std::invalid_argument("softcheck: an op needs a name");
  if (parse_op(spec.name)) throw std::invalid_argument("softcheck: op '" + spec.name + "' exists");
  return table().add(std::move(spec));
}

std::string_view name(Op op) { return op.spec().name; }

std::optional<Op> parse_op(std::string_view text) {
  for (Op op : all_ops())
    if (name(op) == text) return op;
  return std::nullopt;
}

std::string op_names() {
  std::string text;
  const std::vector<Op>& ops = all_ops();
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (i > 0) text += i + 1 == ops.size() ? " or " : ", ";
    text += name(ops[i]);
  }
  return text;
}

}  // namespace softcheck
