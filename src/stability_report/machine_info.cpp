#include "stability_report/machine_info.hpp"

#include <mpfr.h>
#include <sys/utsname.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <thread>

#include "adapters/adapters.hpp"

namespace softcheck::stability {
namespace {

// The value after "key" and a separator (':' or '=') on the first line that starts with key.
std::string field(const std::string& path, const std::string& key, char separator) {
  std::ifstream file(path);
  std::string line;
  while (std::getline(file, line)) {
    if (line.rfind(key, 0) != 0) continue;
    const auto at = line.find(separator);
    if (at == std::string::npos) continue;
    std::string value = line.substr(at + 1);
    value.erase(0, value.find_first_not_of(" \t\""));
    while (!value.empty() && (value.back() == '"' || value.back() == ' ')) value.pop_back();
    return value;
  }
  return "unknown";
}

}  // namespace

MachineInfo machine_info() {
  MachineInfo info;
  info.cpu = field("/proc/cpuinfo", "model name", ':');
  info.cores = std::thread::hardware_concurrency();
  info.os = field("/etc/os-release", "PRETTY_NAME", '=');
  utsname names{};
  if (uname(&names) == 0) info.kernel = std::string(names.sysname) + " " + names.release;
  info.compiler = SOFTCHECK_COMPILER;
  info.softcheck = SOFTCHECK_STABILITY_VERSION;
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  info.utc_time = text;
  // "package version|package version|" from the configure step (cmake/StabilityReport.cmake).
  const std::string versions = SOFTCHECK_LIBRARY_VERSIONS;
  std::size_t start = 0;
  while (start < versions.size()) {
    const auto end = versions.find('|', start);
    const std::string entry = versions.substr(start, end - start);
    if (const auto space = entry.find(' '); space != std::string::npos)
      info.libraries.emplace_back(entry.substr(0, space), entry.substr(space + 1));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  info.libraries.emplace_back("MPFR (runtime)", mpfr_get_version());
  info.providers = compiled_providers();
  return info;
}

}  // namespace softcheck::stability
