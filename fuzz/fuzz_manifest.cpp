// Fuzz target: vector-file manifests (adapters/vectors_manifest.hpp, parse_manifest). Any input
// either parses or is refused with a VectorsError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "adapters/vectors_error.hpp"
#include "adapters/vectors_manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const softcheck::vectors::Manifest manifest =
        softcheck::vectors::parse_manifest(text, "manifest.json");
    (void)manifest;
  } catch (const softcheck::vectors::VectorsError&) {
  }
  return 0;
}
