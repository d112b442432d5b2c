// The contract files compiled into the binary (cmake/EmbedContracts.cmake).
#pragma once

#include <string>
#include <vector>

namespace softcheck {

extern const char* const kBuiltinContractsJson;  // contracts/builtin.json

struct EmbeddedContract {
  std::string provider;  // file name without .json
  std::string json;
};
const std::vector<EmbeddedContract>& provider_contracts();  // contracts/providers/*.json

}  // namespace softcheck
