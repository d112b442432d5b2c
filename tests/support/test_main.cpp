#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "test_seed.hpp"
#include "test_skip.hpp"

namespace {

// The file stem of a ctest entry's filter "[#<stem>]" (tests/CMakeLists.txt), or "".
std::string file_filter(const std::string& arg) {
  if (arg.size() > 3 && arg.rfind("[#", 0) == 0 && arg.back() == ']')
    return arg.substr(2, arg.size() - 3);
  return "";
}

}  // namespace

int main(int argc, char* argv[]) {
  // A library a file needs was not compiled in (support/test_skip.hpp): ctest's Skipped for
  // that file's entry; a run of the whole program leaves those files' cases out.
  const auto& skipped = softcheck::testing::skipped_files();
  std::vector<std::string> args(argv, argv + argc);
  bool filtered = false;
  for (const std::string& arg : args) {
    const std::string stem = file_filter(arg);
    if (stem.empty()) continue;
    filtered = true;
    if (const auto found = skipped.find(stem); found != skipped.end()) {
      std::printf("skipped: %s\n", found->second);
      return softcheck::testing::kSkipExitCode;
    }
  }
  if (!filtered && !skipped.empty()) {
    args.push_back("-#");
    for (const auto& [stem, reason] : skipped) {
      std::printf("skipped %s: %s\n", stem.c_str(), reason);
      args.push_back("~[#" + stem + "]");
    }
  }
  const auto seed = softcheck::testing::seed();
  std::printf("softcheck test seed: %llu (replay with SOFTCHECK_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  if (std::getenv("RC_PARAMS") == nullptr) {
    const std::string params = "seed=" + std::to_string(seed) + " max_success=" +
                               std::to_string(softcheck::testing::scaled(100)) + " verbose_progress=0";
    setenv("RC_PARAMS", params.c_str(), 1);
  }
  std::vector<char*> pointers;
  for (std::string& arg : args) pointers.push_back(arg.data());
  const int failed = Catch::Session().run(static_cast<int>(pointers.size()), pointers.data());
  // Catch2 returns the number of failed assertions (at most 255): 77 failures must not read as
  // a skip.
  return failed == softcheck::testing::kSkipExitCode ? 1 : failed;
}
