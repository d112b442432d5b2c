// A test file that cannot run here (a library not compiled in) says so, and its ctest entry
// exits kSkipExitCode, which tests/CMakeLists.txt gives ctest as every test's SKIP_RETURN_CODE:
// ctest then reports it Skipped, never Passed. Catch2 2.13 has no SKIP, so the file's test
// cases are left out before any runs:
//
//   #ifndef SOFTCHECK_HAVE_ONEDNN
//   SOFTCHECK_SKIP_FILE("oneDNN not compiled in (SOFTCHECK_HAVE_ONEDNN unset)");
//   #endif
//
// A layer's test files share one program, each ctest entry running one file's cases
// ("-#" "[#<file stem>]", tests/CMakeLists.txt). main() (support/test_main.cpp) returns
// kSkipExitCode, printing "skipped: <reason>", when the file asked for skips; run without a
// file, the program leaves out the skipping files' cases and names them.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace softcheck::testing {

inline constexpr int kSkipExitCode = 77;

// The file name without its directory and extension: the tag Catch2's -# gives its cases.
inline std::string file_stem(std::string_view path) {
  const auto slash = path.find_last_of("/\\");
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  return std::string(path.substr(0, path.find_last_of('.')));
}

// The files of this program that skip, by stem, with the reason (set during static
// initialisation).
inline std::map<std::string, const char*>& skipped_files() {
  static std::map<std::string, const char*> files;
  return files;
}

// Records that `file` (its __FILE__) skips; returns true so that it can initialise a
// namespace-scope constant.
inline bool skip_file(const char* file, const char* reason) {
  skipped_files()[file_stem(file)] = reason;
  return true;
}

}  // namespace softcheck::testing

#define SOFTCHECK_SKIP_CONCAT_(a, b) a##b
#define SOFTCHECK_SKIP_CONCAT(a, b) SOFTCHECK_SKIP_CONCAT_(a, b)
// __COUNTER__: unique even when several files are compiled as one unity batch.
#define SOFTCHECK_SKIP_FILE(reason)                                                   \
  [[maybe_unused]] static const bool SOFTCHECK_SKIP_CONCAT(softcheck_skip_file_, __COUNTER__) = \
      ::softcheck::testing::skip_file(__FILE__, reason)
