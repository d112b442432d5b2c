// Fuzz target: --logits text (cli/parse_logits.hpp) in every format. Any input parses or is
// refused with a UsageError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/commands.hpp"
#include "cli/parse_logits.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (softcheck::Format format : softcheck::kAllFormats) {
    try {
      (void)softcheck::cli::parse_logits(text, format);
    } catch (const softcheck::cli::UsageError&) {
    }
  }
  return 0;
}
