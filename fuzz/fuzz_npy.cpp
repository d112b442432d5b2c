// Fuzz target: .npy files (adapters/vectors_npy.hpp). Any input either parses or is refused
// with a VectorsError; anything else (another exception, a sanitizer report) is a finding.
#include <cstddef>
#include <cstdint>
#include <span>

#include "adapters/vectors_error.hpp"
#include "adapters/vectors_npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  try {
    const softcheck::vectors::NpyArray array = softcheck::vectors::parse_npy(bytes, "fuzz.npy");
    (void)array;
  } catch (const softcheck::vectors::VectorsError&) {
  }
  return 0;
}
