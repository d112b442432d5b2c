// The `softcheck` subcommands. Each add_* function registers one subcommand on the app and
// sets `run` to the action to take if that subcommand is chosen; the action returns the
// process exit code (0 ok, 1 contract violations, 2 usage or input errors).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <stdexcept>
#include <string>

namespace softcheck::cli {

using Action = std::function<int()>;

// Bad usage or input found after parsing: reported as one line, exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Context {
  std::string command_line;  // argv joined, recorded in reports
};

void add_list_command(CLI::App& app, Action& run, const Context& context);
void add_reference_command(CLI::App& app, Action& run, const Context& context);
void add_gate_command(CLI::App& app, Action& run, const Context& context);
void add_vectors_command(CLI::App& app, Action& run, const Context& context);
void add_collapse_command(CLI::App& app, Action& run, const Context& context);
void add_radius_command(CLI::App& app, Action& run, const Context& context);
void add_hconsistency_command(CLI::App& app, Action& run, const Context& context);
void add_report_command(CLI::App& app, Action& run, const Context& context);
void add_merge_command(CLI::App& app, Action& run, const Context& context);
void add_exhaustive_command(CLI::App& app, Action& run, const Context& context);

}  // namespace softcheck::cli
