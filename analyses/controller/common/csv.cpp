#include "common/csv.hpp"

#include <filesystem>
#include <stdexcept>

#include "provenance/loaded_blas.hpp"

#ifndef CONTROLLER_COMMIT
#define CONTROLLER_COMMIT "unknown"
#endif

namespace controller {
namespace {
std::string& stored_command() {
  static std::string command;
  return command;
}
}  // namespace

void set_command_line(int argc, char** argv) {
  std::string line = "controller_study";
  for (int i = 1; i < argc; ++i) line += std::string(" ") + argv[i];
  stored_command() = line;
}

const std::string& command_line() { return stored_command(); }

std::string provenance_lines() {
  return "command: " + command_line() + "\ncommit: " + CONTROLLER_COMMIT + "\n";
}

std::ofstream open_csv(const std::string& path) {
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path);
  out.precision(9);
  out << "# command: " << command_line() << "\n"
      << "# commit: " << CONTROLLER_COMMIT << "\n"
      << "# blas: " << provenance::loaded_blas() << "\n";
  return out;
}

}  // namespace controller
