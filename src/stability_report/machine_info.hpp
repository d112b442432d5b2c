// What a report records about where it ran: the CPU, cores, operating system, the versions
// of the libraries under test and of the numerical libraries, softcheck's version and
// commit, the compiler, and the time (UTC).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace softcheck::stability {

struct MachineInfo {
  std::string cpu;            // /proc/cpuinfo "model name"
  unsigned cores = 0;         // std::thread::hardware_concurrency
  std::string os;             // /etc/os-release PRETTY_NAME
  std::string kernel;         // uname -sr
  std::string compiler;
  std::string softcheck;      // "0.1.0 (commit ...)"
  std::string utc_time;       // ISO 8601
  std::vector<std::pair<std::string, std::string>> libraries;  // (package, version)
  std::vector<std::string> providers;                           // compiled-in kernel providers
};

MachineInfo machine_info();

}  // namespace softcheck::stability
