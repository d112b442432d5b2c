// The seed of this test run: SOFTCHECK_SEED=N replays a run, SOFTCHECK_SEED=random draws one
// from the clock; otherwise a fixed default keeps CI deterministic. Printed at start.
#pragma once

#include <cstdint>

namespace softcheck::testing {

std::uint64_t seed();
// SOFTCHECK_TEST_SCALE (default 1) multiplies iteration counts for deep local runs.
double scale();
int scaled(int count);

}  // namespace softcheck::testing
