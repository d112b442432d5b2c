// A test program that cannot run here (a library not compiled in) says so and exits
// kSkipExitCode, which tests/CMakeLists.txt gives ctest as every test's SKIP_RETURN_CODE:
// ctest then reports it Skipped, never Passed. Catch2 2.13 has no SKIP, so the whole program
// skips, before any test case runs:
//
//   #ifndef SOFTCHECK_HAVE_ONEDNN
//   SOFTCHECK_SKIP_PROGRAM("oneDNN not compiled in (SOFTCHECK_HAVE_ONEDNN unset)");
//   #endif
//
// main() (support/test_main.cpp) prints "skipped: <reason>" and returns kSkipExitCode.
#pragma once

namespace softcheck::testing {

inline constexpr int kSkipExitCode = 77;

// The reason this program skips, or nullptr (set during static initialisation).
inline const char*& skip_reason() {
  static const char* reason = nullptr;
  return reason;
}

// Records the reason; returns true so that it can initialise a namespace-scope constant.
inline bool skip_program(const char* reason) {
  skip_reason() = reason;
  return true;
}

}  // namespace softcheck::testing

#define SOFTCHECK_SKIP_PROGRAM(reason) \
  [[maybe_unused]] static const bool softcheck_skip_program_ = ::softcheck::testing::skip_program(reason)
