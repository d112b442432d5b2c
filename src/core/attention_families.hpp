// Named, seeded input families for attention (core/attention.hpp): adversarial by design for
// tiled online softmax - fully masked tiles, scores below finite sentinels, large common
// offsets, the maximum in the last partial tile, scores beyond f16's range, long uniform key
// ranges, fully masked query rows, softcap with huge scores, cancelling V columns, P below or
// above the 8-bit formats' range. Every value is exactly representable in the format; the
// same (family, format, suite, seed) always gives the same cases. docs/attention.md lists
// them and says which join the default suite and which only the deep one.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/attention.hpp"
#include "core/families.hpp"

namespace softcheck {

struct AttentionFamily {
  std::string name;         // stable, e.g. "attn-below-sentinel"
  std::string description;  // one line
  Suite first_suite = Suite::quick;  // the smallest suite that runs it (deep: deep only)
  // generate(format, suite, family_seed(base_seed, name)); empty where the family does not
  // apply to the format (e.g. scores beyond f16's range need f32 or wider).
  std::function<std::vector<AttentionCase>(Format, Suite, std::uint64_t seed)> generate;
};

const std::vector<AttentionFamily>& attention_families();
const AttentionFamily* find_attention_family(std::string_view name);
// The families a suite runs (first_suite <= suite).
std::vector<const AttentionFamily*> attention_families_in(Suite suite);

}  // namespace softcheck
