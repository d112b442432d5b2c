#include "test_seed.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>

namespace softcheck::testing {

std::uint64_t seed() {
  static const std::uint64_t value = [] {
    const char* text = std::getenv("SOFTCHECK_SEED");
    if (text == nullptr || *text == '\0') return std::uint64_t{20261123};
    if (std::string(text) == "random")
      return static_cast<std::uint64_t>(
          std::chrono::steady_clock::now().time_since_epoch().count());
    return static_cast<std::uint64_t>(std::stoull(text));
  }();
  return value;
}

double scale() {
  const char* text = std::getenv("SOFTCHECK_TEST_SCALE");
  return text ? std::max(0.01, std::atof(text)) : 1.0;
}

int scaled(int count) { return std::max(1, static_cast<int>(count * scale())); }

}  // namespace softcheck::testing
