#include "cli/parse_logits.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "cli/commands.hpp"

namespace softcheck::cli {
namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

double parse_number(const std::string& token) {
  if (token.empty()) throw UsageError("malformed --logits: empty value between commas");
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(token.c_str(), &end);
  if (end != token.c_str() + token.size())
    throw UsageError("malformed --logits: '" + token + "' is not a number");
  return value;  // out-of-range decimals become +-inf or 0, as a cast would give
}

}  // namespace

ParsedLogits parse_logits(const std::string& text, Format format) {
  ParsedLogits parsed;
  if (trim(text).empty()) return parsed;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const double value = parse_number(trim(text.substr(start, comma - start)));
    const double rounded = round_to_format(value, format);
    if (!std::isnan(value) && rounded != value) ++parsed.rounded;
    parsed.values.push_back(rounded);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parsed;
}

}  // namespace softcheck::cli
