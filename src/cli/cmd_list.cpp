#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "adapters/adapters.hpp"
#include "adapters/plugin_loader.hpp"
#include "kernels/attention_kernel.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::cli {

namespace {

std::vector<std::string> names_of(const auto& items) {
  std::vector<std::string> names;
  for (const auto& item : items) names.emplace_back(name(item));
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& n : names) text += (text.empty() ? "" : ",") + n;
  return text.empty() ? "-" : text;
}

// The op table (core/op.hpp), one op per line or as a JSON array.
int print_op_table(bool json) {
  nlohmann::json list = nlohmann::json::array();
  for (Op op : all_ops()) {
    const OpSpec& spec = op.spec();
    list.push_back({{"op", spec.name},
                    {"family", spec.family},
                    {"inputs", names_of(spec.inputs)},
                    {"outputs", std::string(name(spec.outputs))},
                    {"parameters", names_of(spec.parameters)},
                    {"plugin_abi", spec.plugin_code >= 0},
                    {"vector_files", spec.vector_files}});
  }
  if (json) {
    std::cout << list.dump(2) << "\n";
    return 0;
  }
  std::cout << std::left << std::setw(27) << "op" << std::setw(12) << "family" << std::setw(15)
            << "inputs" << std::setw(19) << "outputs" << std::setw(15) << "parameters"
            << std::setw(8) << "plugin" << "vectors\n";
  for (const auto& op : list)
    std::cout << std::setw(27) << op["op"].get<std::string>() << std::setw(12)
              << op["family"].get<std::string>() << std::setw(15)
              << joined(op["inputs"].get<std::vector<std::string>>()) << std::setw(19)
              << op["outputs"].get<std::string>() << std::setw(15)
              << joined(op["parameters"].get<std::vector<std::string>>()) << std::setw(8)
              << (op["plugin_abi"].get<bool>() ? "yes" : "no")
              << (op["vector_files"].get<bool>() ? "yes" : "no") << "\n";
  return 0;
}

// One line of `softcheck list`: a row kernel or an attention kernel (kernels/attention_kernel.hpp).
struct ListedKernel {
  std::string name, op, format, algorithm, provider;
  nlohmann::json json;
};

std::vector<ListedKernel> listed_kernels(const std::string& glob) {
  std::vector<ListedKernel> rows;
  for (const Kernel* k : Registry::instance().match(glob)) {
    ListedKernel row{k->name(), std::string(name(k->op)), std::string(name(k->format)),
                     k->algorithm, k->provider, {}};
    row.json = {{"name", row.name}, {"op", row.op}, {"format", row.format},
                {"algorithm", row.algorithm}, {"provider", row.provider}};
    rows.push_back(std::move(row));
  }
  for (const AttentionKernel* k : AttentionRegistry::instance().match(glob)) {
    ListedKernel row{k->name(), "attention", std::string(name(k->formats.storage)), k->algorithm,
                     k->provider, {}};
    row.json = {{"name", row.name}, {"op", row.op}, {"format", row.format},
                {"algorithm", row.algorithm}, {"provider", row.provider},
                {"accumulation", std::string(name(k->formats.accumulation))},
                {"p_format", std::string(name(k->formats.p))},
                {"provides_lse", k->provides_lse},
                {"masked_row", std::string(name(k->declared.masked_row))}};
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

void add_list_command(CLI::App& app, Action& run, const Context&) {
  struct Options {
    bool json = false;
    bool ops = false;
    std::string glob = "*";
    std::vector<std::string> plugin_paths;  // --plugin: shared libraries to load (plugin.h)
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand("list", "List every registered kernel");
  command->add_flag("--json", options->json, "Print a JSON array instead of a table");
  command->add_flag("--ops", options->ops,
                    "List the op table instead: each op's family, inputs, outputs, parameters");
  command->add_option("--kernel", options->glob, "Only kernels whose name matches this glob");
  command->add_option("--plugin", options->plugin_paths,
                      "Also list the kernels of a plugin library (repeatable)");
  command->callback([&run, options] {
    run = [options] {
      if (options->ops) return print_op_table(options->json);
      Registry& registry = Registry::instance();
      for (const std::string& path : options->plugin_paths) load_plugin(path, registry);
      register_all_kernels(registry);
      const auto rows = listed_kernels(options->glob);
      if (rows.empty()) throw UsageError("no kernel matches '" + options->glob + "'");
      if (options->json) {
        nlohmann::json list = nlohmann::json::array();
        for (const ListedKernel& k : rows) list.push_back(k.json);
        std::cout << list.dump(2) << "\n";
        return 0;
      }
      std::size_t width = 6, op_width = 13, algorithm_width = 9;
      for (const ListedKernel& k : rows) {
        width = std::max(width, k.name.size());
        op_width = std::max(op_width, k.op.size());
        algorithm_width = std::max(algorithm_width, k.algorithm.size());
      }
      const int name_column = static_cast<int>(width + 2);
      const int op_column = static_cast<int>(op_width + 2);
      const int algorithm_column = static_cast<int>(algorithm_width + 2);
      std::cout << std::left << std::setw(name_column) << "kernel" << std::setw(op_column) << "op"
                << std::setw(8) << "format" << std::setw(algorithm_column) << "algorithm"
                << "provider\n";
      for (const ListedKernel& k : rows)
        std::cout << std::setw(name_column) << k.name << std::setw(op_column) << k.op
                  << std::setw(8) << k.format << std::setw(algorithm_column) << k.algorithm
                  << k.provider << "\n";
      return 0;
    };
  });
}

}  // namespace softcheck::cli
