// report.json: the run's metadata and every number the HTML figures and tables show. The
// gate, collapse and H-consistency parts are the documents their own commands write
// (`softcheck gate --json`, `softcheck collapse --json`, `softcheck hconsistency --json`).
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hconsistency/report.hpp"
#include "report/collapse_report.hpp"
#include "report/gate_report.hpp"
#include "stability_report/report_writers.hpp"

namespace softcheck::stability {
namespace {

using nlohmann::json;

json number(double v) {
  if (std::isnan(v)) return nullptr;
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

json machine_json(const MachineInfo& m) {
  json libraries = json::object();
  for (const auto& [package, version] : m.libraries) libraries[package] = version;
  return {{"cpu", m.cpu}, {"cores", m.cores}, {"os", m.os}, {"kernel", m.kernel},
          {"compiler", m.compiler}, {"softcheck", m.softcheck}, {"utc_time", m.utc_time},
          {"libraries", libraries}, {"providers", m.providers}};
}

json accuracy_json(const StabilityReport& r) {
  json kernels = json::array();
  for (const AccuracyCurve& c : r.accuracy) {
    json points = json::array();
    for (const ScalePoint& p : c.points)
      points.push_back({{"scale", p.scale}, {"worst_ulps", number(p.worst_ulps)},
                        {"median_ulps", number(p.median_ulps)}, {"elements", p.elements},
                        {"beyond_contract", p.beyond_contract}, {"failure", p.failure}});
    kernels.push_back({{"kernel", c.kernel->name()}, {"points", points}});
  }
  return {{"n", r.accuracy_options.n}, {"rows_per_scale", r.accuracy_options.rows},
          {"seed", r.accuracy_options.seed},
          {"logits", "sigma * N(0, 1) rounded to the format, seeded by (seed, scale index)"},
          {"kernels", kernels}};
}

json radius_json(const RadiusStats& s) {
  json samples = json::array();
  for (const RadiusSample& x : s.samples) {
    json row = {{"n", x.n}, {"logit_scale", x.logit_scale}, {"index", x.index},
                {"spread", number(x.spread)}, {"rho_a", number(x.rho_a)},
                {"binary", number(x.binary)}, {"rho_lo", number(x.lo)}, {"rho_hi", number(x.hi)},
                {"status", x.status}, {"seconds", x.seconds}};
    if (x.n <= 10) row["logits"] = x.logits, row["direction"] = x.direction;
    samples.push_back(row);
  }
  json root = json::array();
  for (double v : s.growth.root) root.push_back(number(v));
  return {{"certified_available", s.certified_available},
          {"classes", s.options.classes},
          {"logit_scales", s.options.scales},
          {"rows_per_cell", s.options.rows_per_cell},
          {"seed", s.options.seed},
          {"rows", "logits sigma * N(0, 1), directions N(0, 1), seeded by (seed, n, scale index, row)"},
          {"samples", samples},
          {"taylor", {{"logits", s.growth.logits}, {"direction", s.growth.direction},
                      {"target", s.growth.target}, {"order", s.growth.order}, {"root", root},
                      {"rho_lo", number(s.growth.rho_lo)}, {"rho_hi", number(s.growth.rho_hi)},
                      {"rho_a", number(s.growth.rho_a)}}}};
}

}  // namespace

void write_report_json(std::ostream& out, const StabilityReport& r) {
  const RunInfo info{r.options.command_line, r.machine.softcheck};
  std::ostringstream gate;
  write_gate_json(gate, r.gate, info);
  std::ostringstream collapse;
  write_collapse_json(collapse, r.collapse, info);
  json hconsistency = json::array();
  for (const HconsistencyRun& h : r.hconsistency) {
    std::ostringstream text;
    hconsistency::write_json(text, h.options, h.result, {}, false,
                             {hconsistency_command(h.options), r.machine.softcheck, 0});
    hconsistency.push_back(json::parse(text.str()));
  }
  json stages = json::object();
  for (const auto& [stage, seconds] : r.stage_seconds) stages[stage] = seconds;
  const json document = {{"tool", "softcheck report"},
                         {"version", r.machine.softcheck},
                         {"command", r.options.command_line},
                         {"suite", std::string(name(r.options.suite))},
                         {"seed", r.options.seed},
                         {"seconds", r.seconds},
                         {"stage_seconds", stages},
                         {"machine", machine_json(r.machine)},
                         {"gate", json::parse(gate.str())},
                         {"accuracy", accuracy_json(r)},
                         {"collapse", json::parse(collapse.str())},
                         {"radius", radius_json(r.radius)},
                         {"hconsistency", hconsistency}};
  out << document.dump(1) << "\n";
}

}  // namespace softcheck::stability
