// Writers for the attention gate (checks/attention_gate.hpp): the console table and
// reproducers, a Markdown section, and the "attention" part of the gate's JSON document.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "checks/attention_gate.hpp"

namespace softcheck {

void print_attention_reproducers(std::ostream& out, const AttentionGateResult& result);
void print_attention_table(std::ostream& out, const AttentionGateResult& result);
void write_attention_markdown(std::ostream& out, const AttentionGateResult& result);
nlohmann::json attention_json(const AttentionGateResult& result);

}  // namespace softcheck
