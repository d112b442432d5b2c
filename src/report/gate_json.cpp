#include <cmath>
#include <nlohmann/json.hpp>

#include "report/attention_report.hpp"
#include "report/json_number.hpp"
#include "report/gate_report.hpp"

namespace softcheck {
namespace {

using nlohmann::json;


json contract_json(const Contract& c) {
  return {{"max_ulp", c.max_ulp},
          {"ulp_per_gap", c.ulp_per_gap},
          {"ulp_per_element", c.ulp_per_element},
          {"abs_ulp_of_scale", c.abs_ulp_of_scale},
          {"abs_ulp_of_output_norm", c.abs_ulp_of_output_norm},
          {"abs_eps", c.abs_eps},
          {"subnormal_ulp", c.subnormal_ulp},
          {"flush_subnormals", c.flush_subnormals},
          {"sum_slack", c.sum_slack},
          {"special_values", c.special_values},
          {"fully_masked", std::string(name(c.fully_masked))},
          {"max_bias_ulp", c.max_bias_ulp},
          {"empty_error", c.empty_error},
          {"in_place", c.in_place},
          {"expect", c.expect_fail ? "fail" : "pass"},
          {"reason", c.reason}};
}

json values_json(const std::vector<double>& values) {
  json list = json::array();
  for (double x : values) list.push_back(decimal_and_hex(x));
  return list;
}

json violation_json(const Violation& v) {
  const json logits = values_json(v.logits);
  json inputs = json::object();  // the op's other inputs of the row (y, dy, ...)
  for (const auto& [input, values] : v.inputs) inputs[input] = values_json(values);
  return {{"kernel", v.kernel},         {"check", std::string(name(v.check))},
          {"family", v.family},         {"family_seed", v.family_seed},
          {"batch", v.batch},           {"row", v.row},
          {"element", v.element},       {"output", v.output},
          {"n", v.n},                   {"target", v.target},
          {"got", decimal_and_hex(v.got)}, {"expected", decimal_and_hex(v.expected)},
          {"exact", json_number(v.exact)},   {"error", json_number(v.error)},
          {"allowed", json_number(v.allowed)}, {"logits", logits}, {"inputs", inputs},
          {"message", v.message}};
}

json bias_json(const std::vector<FamilyBias>& families) {
  json list = json::array();
  for (const FamilyBias& f : families)
    list.push_back({{"family", f.family},
                    {"values", f.stats.values},
                    {"rows", f.stats.rows},
                    {"mean_error_ulp", json_number(f.stats.mean_error())},
                    {"error_threshold_ulp", json_number(f.thresholds.error)},
                    {"mean_excess_ulp", json_number(f.stats.mean_excess())},
                    {"excess_threshold_ulp", json_number(f.thresholds.excess)},
                    {"away_fraction", json_number(f.stats.away_fraction())},
                    {"ratio", json_number(f.ratio)}});
  return list;
}

}  // namespace

void write_gate_json(std::ostream& out, const GateResult& result, const RunInfo& info,
                     const AttentionGateResult* attention) {
  json kernels = json::array();
  for (const KernelResult& k : result.kernels) {
    json checks = json::object();
    for (const auto& [check, stats] : k.checks)
      checks[std::string(name(check))] = {{"elements", stats.elements},
                                          {"violations", stats.violations},
                                          {"worst_error", json_number(stats.worst_error)},
                                          {"allowed_at_worst", json_number(stats.worst_allowed)}};
    json declared = json::object();
    for (const auto& [check, count] : k.declared) declared[std::string(name(check))] = count;
    json reproducers = json::array();
    for (const Violation& v : k.reproducers) reproducers.push_back(violation_json(v));
    kernels.push_back({{"name", k.kernel->name()},
                       {"op", std::string(name(k.kernel->op))},
                       {"format", std::string(name(k.kernel->format))},
                       {"algorithm", k.kernel->algorithm},
                       {"provider", k.kernel->provider},
                       {"verdict", std::string(name(k.verdict))},
                       {"violations", k.violations()},
                       {"contract", contract_json(k.contract)},
                       {"strict_contract", contract_json(k.baseline)},
                       {"declared_properties_used", declared},
                       {"checks", checks},
                       {"bias", bias_json(k.bias)},
                       {"reproducers", reproducers}});
  }
  json document = {{"tool", "softcheck"},
                         {"version", info.version},
                         {"command", info.command},
                         {"suite", std::string(name(result.suite))},
                         {"seed", result.seed},
                         {"passed", result.ok() && (!attention || attention->ok())},
                         {"seconds", result.seconds},
                         {"reference_elements", result.reference_elements},
                         {"kernels", kernels}};
  if (attention) document["attention"] = attention_json(*attention);
  out << document.dump(2) << "\n";
}

}  // namespace softcheck
