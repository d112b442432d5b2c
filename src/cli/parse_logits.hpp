// Parsing of a comma-separated list of logits given on the command line.
#pragma once

#include <string>
#include <vector>

#include "core/format.hpp"

namespace softcheck::cli {

struct ParsedLogits {
  std::vector<double> values;  // rounded to the format
  std::size_t rounded = 0;     // how many values were not representable and got rounded
};

// Accepts decimal and hex floats, inf, -inf and nan, separated by commas (spaces allowed).
// An empty string is an empty row. Throws UsageError naming the bad token.
ParsedLogits parse_logits(const std::string& text, Format format);

}  // namespace softcheck::cli
