// How a child process ended, in words, for the reports of the isolation workers
// (adapters/isolation.hpp) and the zero-size probe (checks/zero_size.hpp).
#pragma once

#include <string>

namespace softcheck {

// "killed by signal 11 (SIGSEGV)", "exited with status 3", or "ended with wait status N",
// from a status that waitpid() returned.
std::string describe_exit(int wait_status);

}  // namespace softcheck
