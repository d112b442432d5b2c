#include <iostream>
#include <stdexcept>

#include "cli/commands.hpp"
#include "cli/parse_logits.hpp"
#include "checks/loss_family_references.hpp"
#include "kernels/kernel.hpp"
#include "reference/loss_family_reference.hpp"
#include "reference/reference.hpp"
#include "reference/stablemax_reference.hpp"
#include "report/gate_report.hpp"

namespace softcheck::cli {
namespace {

void print(const reference::Exact& e) { std::cout << decimal_and_hex(e.rounded) << "\n"; }

void print(const std::vector<reference::Exact>& values) {
  for (const auto& e : values) print(e);
}

// The op's outputs; for a loss op the loss first, then the gradient.
void print_softmax(Op op, const reference::RowReference& ref) {
  switch (op) {
    case Op::softmax: return print(ref.softmax);
    case Op::log_softmax: return print(ref.log_softmax);
    case Op::logsumexp: return print(ref.logsumexp);
    case Op::cross_entropy: print(ref.ce_loss); return print(ref.ce_gradient);
    default: return;  // StableMax ops: print_stablemax
  }
}

void print_stablemax(Op op, const reference::StableMaxReference& ref) {
  switch (op) {
    case Op::stablemax: return print(ref.stablemax);
    case Op::log_stablemax: return print(ref.log_stablemax);
    case Op::stablemax_cross_entropy: print(ref.loss); return print(ref.gradient);
    default: return;  // the softmax family: print_softmax
  }
}

}  // namespace

void add_reference_command(CLI::App& app, Action& run, const Context&) {
  struct Options {
    std::string op, dtype, logits;
    long long target = -1;
    LossParameters parameters;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "reference", "Print the correctly rounded reference, one value per line: decimal hexfloat");
  command->add_option("op", options->op, op_names())->required();
  command->add_option("--dtype", options->dtype, "f64, f32, bf16 or f16")->required();
  command->add_option("--logits", options->logits, "comma-separated logits, e.g. \"1,2.5,-inf\"")
      ->required();
  command->add_option("--target", options->target,
                      "true class (cross_entropy, stablemax_cross_entropy, the loss family)");
  command->add_option("--tau", options->parameters.tau, "comp_sum: tau in [0, 2] (default 1)");
  command->add_option("--temperature", options->parameters.temperature,
                      "temperature_cross_entropy: T > 0 (default 1)");
  command->add_option("--a", options->parameters.a, "z_loss: sharpness a > 0 (default 1)");
  command->add_option("--b", options->parameters.b, "z_loss: offset b (default 1)");
  command->callback([&run, options] {
    run = [options] {
      const auto op = parse_op(options->op);
      if (!op) throw UsageError("unknown op '" + options->op + "' (expected " + op_names() + ")");
      const auto format = parse_format(options->dtype);
      if (!format) throw UsageError("unknown dtype '" + options->dtype +
                                    "' (expected f64, f32, bf16 or f16)");
      const ParsedLogits logits = parse_logits(options->logits, *format);
      const auto n = static_cast<long long>(logits.values.size());
      if (has_loss(*op) && options->target < 0)
        throw UsageError(std::string(name(*op)) + " needs --target K");
      if (has_loss(*op) && options->target >= n)
        throw UsageError("--target " + std::to_string(options->target) + " is out of range for " +
                         std::to_string(n) + " logits");
      if (logits.rounded > 0)
        std::cerr << "softcheck: note: " << logits.rounded << " logit(s) rounded to "
                  << name(*format) << "\n";
      const auto target = options->target >= 0 ? static_cast<std::size_t>(options->target) : 0;
      if (is_loss_family(*op)) {
        reference::LossReference ref;
        try {
          ref = reference::evaluate_loss_row(loss_kind(*op), options->parameters, logits.values,
                                             *format, target);
        } catch (const std::invalid_argument& error) {  // a parameter outside its domain
          throw UsageError(error.what());
        }
        if (has_loss(*op)) print(ref.loss);  // the normalisers have none
        print(ref.gradient);
      } else if (is_stablemax(*op)) {
        print_stablemax(*op, reference::evaluate_stablemax_row(logits.values, *format, target));
      } else {
        print_softmax(*op, reference::evaluate_row(logits.values, *format, target));
      }
      return 0;
    };
  });
}

}  // namespace softcheck::cli
