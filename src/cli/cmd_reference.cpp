#include <iostream>

#include "cli/commands.hpp"
#include "cli/parse_logits.hpp"
#include "kernels/kernel.hpp"
#include "reference/reference.hpp"
#include "report/gate_report.hpp"

namespace softcheck::cli {

void add_reference_command(CLI::App& app, Action& run, const Context&) {
  struct Options {
    std::string op, dtype, logits;
    long long target = -1;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "reference", "Print the correctly rounded reference, one value per line: decimal hexfloat");
  command->add_option("op", options->op, "softmax, log_softmax, logsumexp or cross_entropy")
      ->required();
  command->add_option("--dtype", options->dtype, "f64, f32, bf16 or f16")->required();
  command->add_option("--logits", options->logits, "comma-separated logits, e.g. \"1,2.5,-inf\"")
      ->required();
  command->add_option("--target", options->target, "true class (cross_entropy)");
  command->callback([&run, options] {
    run = [options] {
      const auto op = parse_op(options->op);
      if (!op) throw UsageError("unknown op '" + options->op +
                                "' (expected softmax, log_softmax, logsumexp or cross_entropy)");
      const auto format = parse_format(options->dtype);
      if (!format) throw UsageError("unknown dtype '" + options->dtype +
                                    "' (expected f64, f32, bf16 or f16)");
      const ParsedLogits logits = parse_logits(options->logits, *format);
      const auto n = static_cast<long long>(logits.values.size());
      if (*op == Op::cross_entropy && options->target < 0)
        throw UsageError("cross_entropy needs --target K");
      if (*op == Op::cross_entropy && options->target >= n)
        throw UsageError("--target " + std::to_string(options->target) + " is out of range for " +
                         std::to_string(n) + " logits");
      if (logits.rounded > 0)
        std::cerr << "softcheck: note: " << logits.rounded << " logit(s) rounded to "
                  << name(*format) << "\n";
      const auto target = options->target >= 0 ? static_cast<std::size_t>(options->target) : 0;
      const reference::RowReference ref = reference::evaluate_row(logits.values, *format, target);
      auto print = [](const reference::Exact& e) { std::cout << decimal_and_hex(e.rounded) << "\n"; };
      switch (*op) {
        case Op::softmax: for (const auto& e : ref.softmax) print(e); break;
        case Op::log_softmax: for (const auto& e : ref.log_softmax) print(e); break;
        case Op::logsumexp: print(ref.logsumexp); break;
        case Op::cross_entropy:
          print(ref.ce_loss);
          for (const auto& e : ref.ce_gradient) print(e);
          break;
      }
      return 0;
    };
  });
}

}  // namespace softcheck::cli
