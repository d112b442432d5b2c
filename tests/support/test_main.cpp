#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "test_seed.hpp"

int main(int argc, char* argv[]) {
  const auto seed = softcheck::testing::seed();
  std::printf("softcheck test seed: %llu (replay with SOFTCHECK_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  if (std::getenv("RC_PARAMS") == nullptr) {
    const std::string params = "seed=" + std::to_string(seed) + " max_success=" +
                               std::to_string(softcheck::testing::scaled(100)) + " verbose_progress=0";
    setenv("RC_PARAMS", params.c_str(), 1);
  }
  return Catch::Session().run(argc, argv);
}
