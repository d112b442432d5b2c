#include <iostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.hpp"
#include "cli/parse_logits.hpp"
#include "core/op.hpp"
#include "reference/op_reference.hpp"
#include "report/gate_report.hpp"

namespace softcheck::cli {
namespace {

void print(const reference::Exact& e) { std::cout << decimal_and_hex(e.rounded) << "\n"; }

void print(const std::vector<reference::Exact>& values) {
  for (const auto& e : values) print(e);
}

// --input NAME=v1,v2,...: a per-element input besides the logits (dy, q, ...), by its name
// in the op table (core/op.hpp).
std::pair<Input, ParsedLogits> parse_input(const std::string& text, const OpSpec& spec,
                                           Format format) {
  const auto equals = text.find('=');
  const std::string key = text.substr(0, equals);
  for (Input input : spec.inputs)
    if (per_element(input) && input != Input::logits && name(input) == key) {
      if (equals == std::string::npos) break;
      return {input, parse_logits(text.substr(equals + 1), format)};
    }
  throw UsageError("--input '" + text + "': " + spec.name + " takes no input '" + key +
                   "' (expected NAME=v1,v2,...)");
}

}  // namespace

void add_reference_command(CLI::App& app, Action& run, const Context&) {
  struct Options {
    std::string op, dtype, logits;
    std::vector<std::string> inputs;
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
  command->add_option("--input", options->inputs,
                      "another input of the op, NAME=v1,v2,... (e.g. dy=0.5,-1,2)");
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
      const OpSpec& spec = op->spec();
      if (spec.takes(Input::target) && options->target < 0)
        throw UsageError(std::string(name(*op)) + " needs --target K");
      if (spec.takes(Input::target) && options->target >= n)
        throw UsageError("--target " + std::to_string(options->target) + " is out of range for " +
                         std::to_string(n) + " logits");
      if (logits.rounded > 0)
        std::cerr << "softcheck: note: " << logits.rounded << " logit(s) rounded to "
                  << name(*format) << "\n";
      const auto target = options->target >= 0 ? static_cast<std::size_t>(options->target) : 0;
      reference::RowInputs row{logits.values, target, {}};
      std::vector<ParsedLogits> others;
      others.reserve(options->inputs.size());
      for (const std::string& text : options->inputs) {
        auto [input, values] = parse_input(text, spec, *format);
        if (values.values.size() != logits.values.size())
          throw UsageError("--input " + std::string(name(input)) + " has " +
                           std::to_string(values.values.size()) + " values for " +
                           std::to_string(n) + " logits");
        others.push_back(std::move(values));
        row.elements[static_cast<std::size_t>(input)] = others.back().values;
      }
      for (Input input : spec.inputs)
        if (per_element(input) && input != Input::logits && row[input].empty())
          throw UsageError(spec.name + " needs --input " + std::string(name(input)) + "=...");
      reference::OpRow ref;
      try {
        ref = reference::evaluate_op_row(*op, row, *format, options->parameters);
      } catch (const std::invalid_argument& error) {  // a parameter outside its domain
        throw UsageError(error.what());
      }
      if (!spec.has_element_output() || spec.has_loss()) print(ref.value);  // value or loss first
      print(ref.elements);
      return 0;
    };
  });
}

}  // namespace softcheck::cli
