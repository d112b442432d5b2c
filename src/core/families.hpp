// Named, seeded input families shared by the gate, the property tests and the analyses.
// Each family turns (format, suite size, seed) into one or more batches whose values are all
// exactly representable in the format, with a target class per row (for cross-entropy).
// The same (family, format, suite, seed) always yields the same batches.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/batch.hpp"
#include "core/format.hpp"

namespace softcheck {

enum class Suite { quick, standard, deep };  // CLI names: quick, default, deep
std::optional<Suite> parse_suite(std::string_view text);
std::string_view name(Suite suite);

struct Family {
  std::string name;         // stable, machine-readable, e.g. "normal-s30", "uniform-90-100"
  std::string description;  // one line for humans
  // generate(format, suite, family_seed(base_seed, name)): the batches of this family.
  std::function<std::vector<Batch>(Format, Suite, std::uint64_t seed)> generate;
};

const std::vector<Family>& families();
const Family* find_family(std::string_view name);

// Seed of one family's stream under a base seed; the gate prints it in reproducers.
std::uint64_t family_seed(std::uint64_t base_seed, std::string_view family_name);

}  // namespace softcheck
