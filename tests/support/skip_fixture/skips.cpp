// The per-file skip of a shared test program (support/test_skip.hpp): this file skips, and
// its case would fail if it ran.
#include <catch2/catch.hpp>

#include "test_skip.hpp"

SOFTCHECK_SKIP_FILE("planted: this file always skips");

TEST_CASE("a file that skips") { FAIL("a skipped file's case ran"); }
