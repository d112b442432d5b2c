#include "core/process_exit.hpp"

#include <sys/wait.h>

#include <cstring>

namespace softcheck {

std::string describe_exit(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    const int signal = WTERMSIG(wait_status);
    const char* abbreviation = ::sigabbrev_np(signal);
    return "killed by signal " + std::to_string(signal) +
           (abbreviation ? " (SIG" + std::string(abbreviation) + ")" : std::string());
  }
  if (WIFEXITED(wait_status))
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  return "ended with wait status " + std::to_string(wait_status);
}

}  // namespace softcheck
