// Fuzz target: contract files (checks/contract.hpp, ContractSet::add_rules), then resolving a
// few kernel names against the rules read. Any input is read or refused with a ContractError.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "checks/contract.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const softcheck::ContractSet defaults = softcheck::ContractSet::strict();
  softcheck::ContractSet contracts = defaults;  // a copy: each input starts from the defaults
  try {
    contracts.add_rules(text, "fuzz.json");
  } catch (const softcheck::ContractError&) {
    return 0;
  }
  for (const char* kernel : {"builtin/softmax/f32/two-pass", "plugin:x/cross_entropy/bf16/a",
                             "onednn/log_softmax_backward/bf16/softmax-v2"})
    (void)contracts.resolve(kernel);
  return 0;
}
