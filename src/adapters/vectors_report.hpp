// What `vectors check` adds to the gate's reports: how many cases of each vector kernel were
// checked and which the framework skipped (with its reasons). Skipped cases are never passes:
// the text summary lists them, the JSON gets a "vectors" section and per-kernel "cases", and
// the JUnit XML gets one <skipped/> test case per skipped case.
#pragma once

#include <ostream>
#include <string>

#include "adapters/vectors_kernel.hpp"

namespace softcheck::vectors {

// "vectors: N cases in DIR: C checked, S skipped by the framework" and one line per
// (kernel, reason) of the skipped cases.
void print_vectors_summary(std::ostream& out, const VectorSet& set, const std::string& dir);

// The gate's JSON document (write_gate_json's text) with the vector-file accounting added.
std::string add_vectors_json(const std::string& gate_json, const VectorSet& set,
                             const std::string& dir);

// The gate's JUnit XML (write_gate_junit's text) with a test suite of skipped cases added.
std::string add_vectors_junit(const std::string& gate_junit, const VectorSet& set);

}  // namespace softcheck::vectors
