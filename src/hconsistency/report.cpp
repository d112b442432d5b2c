#include "hconsistency/report.hpp"

#include <limits>
#include <nlohmann/json.hpp>

#include "hconsistency/bound.hpp"
#include "hconsistency/real.hpp"

namespace softcheck::hconsistency {
namespace {

using nlohmann::json;

json sample_json(const SampleRecord& r) {
  return {{"index", r.index},
          {"p_family", r.sample.p_family},
          {"h_family", r.sample.h_family},
          {"p", r.sample.p},
          {"h", r.sample.h},
          {"zero_one_regret", r.zero_one_regret},
          {"surrogate_regret", r.surrogate_regret},
          {"bound", r.bound},
          {"slack", r.slack},
          {"ratio", r.ratio()}};
}

json worst_json(const WorstCase& w) {
  return {{"target", w.target},
          {"p", w.p},
          {"h", w.h},
          {"zero_one_regret", w.zero_one_regret},
          {"surrogate_regret", w.surrogate_regret},
          {"bound", w.bound},
          {"slack", w.slack},
          {"ratio", w.ratio()},
          {"start", w.start}};
}

}  // namespace

void write_json(std::ostream& out, const CheckOptions& options, const CheckResult& check,
                const std::vector<WorstCase>& search, bool searched, const ReportMeta& meta) {
  json doc;
  doc["command"] = meta.command_line;
  doc["version"] = meta.version;
  doc["seconds"] = meta.seconds;
  doc["tau"] = options.tau;
  doc["classes"] = options.classes;
  doc["samples"] = check.samples;
  doc["seed"] = options.seed;
  doc["precision_bits"] = std::numeric_limits<Real>::digits;
  doc["bound_form"] = bound_form(options.tau);
  doc["violations"] = check.violations;
  doc["positive_regret_samples"] = check.positive_regret_samples;
  doc["min_slack"] = check.min_slack ? sample_json(*check.min_slack) : json();
  doc["min_ratio"] = check.min_ratio ? sample_json(*check.min_ratio) : json();
  json reproducers = json::array();
  for (const SampleRecord& r : check.reproducers) reproducers.push_back(sample_json(r));
  doc["reproducers"] = reproducers;
  json bins = json::array();
  for (const Bin& b : check.bins)
    bins.push_back({{"lo", b.lo}, {"hi", b.hi}, {"count", b.count},
                    {"min_ratio", b.tightest ? json(b.tightest->ratio()) : json()}});
  doc["bins"] = bins;
  json cloud = json::array();
  for (const auto& [x, y] : check.cloud) cloud.push_back({x, y});
  doc["cloud"] = cloud;
  json worst = json::array();
  for (const WorstCase& w : search) worst.push_back(worst_json(w));
  doc["search"] = searched ? worst : json();
  out << doc.dump(1) << "\n";
}

}  // namespace softcheck::hconsistency
