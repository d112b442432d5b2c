// The BLAS library this process mapped (the speed, and the summation order of the matrix
// products, depend on it): the first mapped file whose name mentions blas, from
// /proc/self/maps. Written into the provenance lines of the training analyses' CSVs
// (analyses/grokking, analyses/controller).
#pragma once

#include <fstream>
#include <string>

namespace provenance {

inline std::string loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash != std::string::npos && line.find("blas", slash) != std::string::npos)
      return line.substr(slash);
  }
  return "unknown";
}

}  // namespace provenance
