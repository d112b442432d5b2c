// Compiled by tests/build_rules/CMakeLists.txt from two targets: one that may see the checks
// module's headers (it builds) and one below checks (it must not).
#include "checks/gate.hpp"

namespace softcheck {
// Uses the header, so the allowed build really compiles something from it.
const GateOptions kBuildRuleOptions{};
}  // namespace softcheck
