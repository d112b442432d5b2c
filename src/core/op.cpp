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
  constexpr Outputs values = Outputs::per_element, row = Outputs::per_row,
                    loss = Outputs::loss_and_gradient;
  return {
      {.name = "softmax", .family = "softmax", .inputs = logits_only, .outputs = values,
       .plugin_code = 0, .vector_files = true},
      {.name = "log_softmax", .family = "softmax", .inputs = logits_only, .outputs = values,
       .plugin_code = 1, .vector_files = true},
      {.name = "logsumexp", .family = "softmax", .inputs = logits_only, .outputs = row,
       .plugin_code = 2, .vector_files = true},
      {.name = "cross_entropy", .family = "softmax", .inputs = with_target, .outputs = loss,
       .plugin_code = 3, .vector_files = true},
      {.name = "stablemax", .family = "stablemax", .inputs = logits_only, .outputs = values,
       .plugin_code = 4, .vector_files = true},
      {.name = "log_stablemax", .family = "stablemax", .inputs = logits_only, .outputs = values,
       .plugin_code = 5, .vector_files = true},
      {.name = "stablemax_cross_entropy", .family = "stablemax", .inputs = with_target,
       .outputs = loss, .plugin_code = 6, .vector_files = true},
      // The parametrised losses and normalisers: neither in the plugin ABI nor in vector files
      // (their parameters have no place there).
      {.name = "comp_sum", .family = "loss", .inputs = with_target, .outputs = loss,
       .parameters = {tau}},
      {.name = "sigmoid_bce", .family = "loss", .inputs = with_target, .outputs = loss},
      {.name = "temperature_cross_entropy", .family = "loss", .inputs = with_target,
       .outputs = loss, .parameters = {temperature}},
      {.name = "z_loss", .family = "loss", .inputs = with_target, .outputs = loss,
       .parameters = {a, b}},
      {.name = "sigmoid_normaliser", .family = "normaliser", .inputs = logits_only,
       .outputs = values},
      {.name = "softplus_normaliser", .family = "normaliser", .inputs = logits_only,
       .outputs = values},
      {.name = "temperature_softmax", .family = "normaliser", .inputs = logits_only,
       .outputs = values, .parameters = {temperature}},
      // Its kernels, references and checks are attention's own (Outputs::attention).
      {.name = "attention", .family = "attention", .inputs = {q, k, v, mask},
       .outputs = Outputs::attention, .vector_files = true},
      {.name = "softmax_backward", .family = "backward", .inputs = {y, dy}, .outputs = values,
       .plugin_code = 7, .vector_files = true},
      {.name = "log_softmax_backward", .family = "backward", .inputs = {log_y, dy},
       .outputs = values, .plugin_code = 8, .vector_files = true},
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
  static constexpr std::string_view kNames[kInputKinds] = {
      "input", "target", "dy", "q", "k", "v", "mask", "y", "log_y"};
  return kNames[static_cast<std::size_t>(input)];
}

std::string_view name(Outputs outputs) {
  static constexpr std::string_view kNames[] = {"per_element", "per_row", "loss_and_gradient",
                                                "attention"};
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
