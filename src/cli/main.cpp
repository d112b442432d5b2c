// softcheck: exact verification of softmax and softmax-based losses.
#include <exception>
#include <iostream>

#include "adapters/plugin_error.hpp"
#include "checks/contract.hpp"
#include "cli/commands.hpp"

namespace {

std::string join_arguments(int argc, char** argv) {
  std::string line = "softcheck";
  for (int i = 1; i < argc; ++i) line += std::string(" ") + argv[i];
  return line;
}

int fail(const std::string& message) {
  std::cerr << "softcheck: error: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"softcheck - correctly rounded verification of softmax and softmax-based losses"};
  app.set_version_flag("--version", SOFTCHECK_VERSION);
  app.require_subcommand(1);
  const softcheck::cli::Context context{join_arguments(argc, argv)};
  softcheck::cli::Action run;
  softcheck::cli::add_list_command(app, run, context);
  softcheck::cli::add_reference_command(app, run, context);
  softcheck::cli::add_gate_command(app, run, context);
  softcheck::cli::add_vectors_command(app, run, context);
  softcheck::cli::add_collapse_command(app, run, context);
  softcheck::cli::add_radius_command(app, run, context);
  softcheck::cli::add_hconsistency_command(app, run, context);
  softcheck::cli::add_report_command(app, run, context);
  softcheck::cli::add_merge_command(app, run, context);
  softcheck::cli::add_exhaustive_command(app, run, context);
  const auto is_command = [&app](const std::string& word) {
    for (const CLI::App* command : app.get_subcommands({}))
      if (command->get_name() == word) return true;
    return false;
  };
  if (argc > 1 && argv[1][0] != '-' && !is_command(argv[1]))
    return fail(std::string("unknown command '") + argv[1] + "' (expected list, reference, gate, vectors, collapse, radius, hconsistency, report, merge or exhaustive)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion&) {
    std::cout << SOFTCHECK_VERSION << "\n";
    return 0;
  } catch (const CLI::ParseError& error) {
    return fail(error.what());
  }
  try {
    return run();
  } catch (const softcheck::cli::UsageError& error) {
    return fail(error.what());
  } catch (const softcheck::ContractError& error) {
    return fail(error.what());
  } catch (const softcheck::PluginError& error) {
    return fail(error.what());
  } catch (const std::exception& error) {
    std::cerr << "softcheck: internal error: " << error.what() << "\n";
    return 3;
  }
}
