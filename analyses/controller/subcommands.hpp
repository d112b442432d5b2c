// The subcommands of controller_study, one per analysis (each defined in its analysis folder)
// plus the kernel cross-check and the overhead timing (here).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "common/models.hpp"

namespace controller {

void add_phase_command(CLI::App& app);        // analyses/phase_transition/phase.cpp
void add_spike_command(CLI::App& app);        // analyses/lr_spike/spike.cpp
void add_temperature_command(CLI::App& app);  // analyses/temperature/temperature.cpp
void add_kernels_command(CLI::App& app);      // kernels_check.cpp (+ overhead timing)

// "all" or a comma list of architecture names.
std::vector<Arch> parse_archs(const std::vector<std::string>& names);
// n log-spaced values from lo to hi (both included).
std::vector<double> log_space(double lo, double hi, int n);

}  // namespace controller
