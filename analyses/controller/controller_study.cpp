// controller_study: the safe-step controller analyses (README.md here). One subcommand per
// analysis; every CSV starts with the command line (which holds the seeds), the commit and
// the BLAS. Progress goes to stderr. One libtorch thread unless --threads says otherwise.
#include <ATen/Parallel.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <exception>
#include <iostream>
#include <stdexcept>

#include "common/csv.hpp"
#include "subcommands.hpp"

namespace controller {

std::vector<Arch> parse_archs(const std::vector<std::string>& names) {
  std::vector<Arch> out;
  for (const std::string& n : names) {
    if (n == "all") {
      out.insert(out.end(), std::begin(kAllArchs), std::end(kAllArchs));
    } else {
      out.push_back(parse_arch(n));
    }
  }
  return out;
}

std::vector<double> log_space(double lo, double hi, int n) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) {
    const double f = n == 1 ? 0.0 : static_cast<double>(i) / (n - 1);
    out.push_back(std::exp(std::log(lo) + f * (std::log(hi) - std::log(lo))));
  }
  return out;
}

}  // namespace controller

int main(int argc, char** argv) {
  CLI::App app("safe-step controller analyses (Sao 2026, 'Ghosts of softmax')");
  int threads = 1;
  app.add_option("--threads", threads, "libtorch intra-op threads")->check(CLI::PositiveNumber);
  app.require_subcommand(1);
  controller::add_phase_command(app);
  controller::add_spike_command(app);
  controller::add_temperature_command(app);
  controller::add_kernels_command(app);
  controller::set_command_line(argc, argv);
  app.parse_complete_callback([&] {
    at::set_num_threads(threads);
    std::cerr << controller::provenance_lines() << std::flush;
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::invalid_argument& e) {  // bad input: an unknown name, a missing option
    std::cerr << "controller_study: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "controller_study: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
