#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "test_seed.hpp"
#include "test_skip.hpp"

int main(int argc, char* argv[]) {
  // A library this program needs was not compiled in (support/test_skip.hpp): ctest's Skipped.
  if (const char* reason = softcheck::testing::skip_reason()) {
    std::printf("skipped: %s\n", reason);
    return softcheck::testing::kSkipExitCode;
  }
  const auto seed = softcheck::testing::seed();
  std::printf("softcheck test seed: %llu (replay with SOFTCHECK_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  if (std::getenv("RC_PARAMS") == nullptr) {
    const std::string params = "seed=" + std::to_string(seed) + " max_success=" +
                               std::to_string(softcheck::testing::scaled(100)) + " verbose_progress=0";
    setenv("RC_PARAMS", params.c_str(), 1);
  }
  const int failed = Catch::Session().run(argc, argv);
  // Catch2 returns the number of failed assertions (at most 255): 77 failures must not read as
  // a skip.
  return failed == softcheck::testing::kSkipExitCode ? 1 : failed;
}
