#include "checks/contract.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "checks/embedded_contracts.hpp"
#include "kernels/kernel.hpp"

namespace softcheck {

namespace {

using nlohmann::json;

void require_number(const json& value, const std::string& key, const std::string& where) {
  if (!value.is_number() || value.get<double>() < 0.0)
    throw ContractError(where + ": field '" + key + "' must be a non-negative number");
}

void require_bool(const json& value, const std::string& key, const std::string& where) {
  if (!value.is_boolean()) throw ContractError(where + ": field '" + key + "' must be true or false");
}

FullyMaskedOutcome parse_fully_masked(const json& value, const std::string& where) {
  const std::string text = value.is_string() ? value.get<std::string>() : "";
  if (text == "nan") return FullyMaskedOutcome::nan;
  if (text == "zero") return FullyMaskedOutcome::zero;
  if (text == "nan-or-zero") return FullyMaskedOutcome::nan_or_zero;
  throw ContractError(where + ": field 'fully_masked' must be \"nan\", \"zero\" or \"nan-or-zero\"");
}

// Applies one rule's fields to a contract; validates as it goes (also used to validate).
void apply_fields(const json& fields, Contract& contract, const std::string& where) {
  for (const auto& [key, value] : fields.items()) {
    if (key == "kernel" || key == "comment") continue;
    if (key == "max_ulp") {
      require_number(value, key, where), contract.max_ulp = value.get<double>();
    } else if (key == "ulp_per_gap") {
      require_number(value, key, where), contract.ulp_per_gap = value.get<double>();
    } else if (key == "ulp_per_element") {
      require_number(value, key, where), contract.ulp_per_element = value.get<double>();
    } else if (key == "abs_ulp_of_scale") {
      require_number(value, key, where), contract.abs_ulp_of_scale = value.get<double>();
    } else if (key == "abs_eps") {
      require_number(value, key, where), contract.abs_eps = value.get<double>();
    } else if (key == "abs_ulp_of_output_norm") {
      require_number(value, key, where), contract.abs_ulp_of_output_norm = value.get<double>();
    } else if (key == "subnormal_ulp") {
      require_number(value, key, where), contract.subnormal_ulp = value.get<double>();
    } else if (key == "sum_slack") {
      require_number(value, key, where), contract.sum_slack = value.get<double>();
    } else if (key == "flush_subnormals") {
      require_bool(value, key, where), contract.flush_subnormals = value.get<bool>();
    } else if (key == "special_values") {
      require_bool(value, key, where), contract.special_values = value.get<bool>();
    } else if (key == "fully_masked") {
      contract.fully_masked = parse_fully_masked(value, where);
    } else if (key == "max_bias_ulp") {
      require_number(value, key, where), contract.max_bias_ulp = value.get<double>();
    } else if (key == "empty_error") {
      require_bool(value, key, where), contract.empty_error = value.get<bool>();
    } else if (key == "in_place") {
      require_bool(value, key, where), contract.in_place = value.get<bool>();
    } else if (key == "expect") {
      if (value != "pass" && value != "fail")
        throw ContractError(where + ": field 'expect' must be \"pass\" or \"fail\"");
      contract.expect_fail = value == "fail";
    } else if (key == "reason") {
      if (!value.is_string()) throw ContractError(where + ": field 'reason' must be a string");
      contract.reason = value.get<std::string>();
    } else {
      throw ContractError(where + ": unknown field '" + key + "'");
    }
  }
}

}  // namespace

std::string_view name(FullyMaskedOutcome outcome) {
  switch (outcome) {
    case FullyMaskedOutcome::nan: return "nan";
    case FullyMaskedOutcome::zero: return "zero";
    case FullyMaskedOutcome::nan_or_zero: return "nan-or-zero";
  }
  return "?";
}

ContractSet ContractSet::strict() {
  ContractSet set;
  set.add_rules(kBuiltinContractsJson, "contracts/builtin.json");
  return set;
}

ContractSet ContractSet::builtin() {
  ContractSet set = strict();
  for (const EmbeddedContract& provider : provider_contracts())
    set.add_rules(provider.json, "contracts/providers/" + provider.provider + ".json");
  return set;
}

void ContractSet::add_rules(std::string_view json_text, const std::string& origin) {
  json document;
  try {
    document = json::parse(json_text);
  } catch (const json::parse_error& error) {
    throw ContractError(origin + ": not valid JSON (" + error.what() + ")");
  } catch (const json::out_of_range&) {  // a number the JSON reader cannot hold (1e400)
    throw ContractError(origin + ": not valid JSON (a number beyond the range of a double)");
  }
  if (!document.is_object() || !document.contains("rules") || !document["rules"].is_array())
    throw ContractError(origin + ": expected an object with a \"rules\" array");
  for (const auto& [key, value] : document.items())
    if (key != "rules" && key != "comment")
      throw ContractError(origin + ": unknown top-level field '" + key + "'");
  std::size_t index = 0;
  for (const json& rule : document["rules"]) {
    const std::string where = origin + ": rule " + std::to_string(index++);
    if (!rule.is_object()) throw ContractError(where + ": must be an object");
    if (!rule.contains("kernel") || !rule["kernel"].is_string())
      throw ContractError(where + ": needs a \"kernel\" glob string");
    Contract scratch;
    apply_fields(rule, scratch, where);
    rules_.push_back({rule["kernel"].get<std::string>(), where, rule.dump()});
  }
}

void ContractSet::add_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw ContractError("cannot read contract file '" + path + "'");
  std::stringstream text;
  text << file.rdbuf();
  add_rules(text.str(), path);
}

Contract ContractSet::resolve(std::string_view kernel_name) const {
  Contract contract;
  for (const Rule& rule : rules_)
    if (glob_match(rule.glob, kernel_name))
      apply_fields(json::parse(rule.fields_json), contract, rule.origin);
  return contract;
}

}  // namespace softcheck
