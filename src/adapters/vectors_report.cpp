// Vector-file accounting in the reports of `vectors check` (see vectors_report.hpp).
#include "adapters/vectors_report.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/xml_escape.hpp"

namespace softcheck::vectors {
namespace {

using nlohmann::json;

struct Totals {
  std::size_t cases = 0, checked = 0, skipped = 0;
};

Totals totals(const VectorSet& set) {
  Totals t;
  for (const KernelCases& k : set.summary()) t.cases += k.total, t.checked += k.checked, t.skipped += k.skipped;
  return t;
}

std::string kernel_of(const VectorSet& set, const VectorCase& c) {
  for (const KernelCases& k : set.summary())
    if (k.op == c.op && k.format == c.format) return k.kernel;
  return "?";
}

// Adds `extra` to the first integer attribute `attribute="N"` of the root element.
std::string bump_attribute(const std::string& xml, const std::string& attribute, std::size_t extra) {
  const std::regex pattern("(<testsuites[^>]*\\b" + attribute + "=\")([0-9]+)\"");
  std::smatch match;
  if (!std::regex_search(xml, match, pattern)) return xml;
  const std::size_t value = std::stoul(match[2].str()) + extra;
  return match.prefix().str() + match[1].str() + std::to_string(value) + "\"" + match.suffix().str();
}

}  // namespace

void print_vectors_summary(std::ostream& out, const VectorSet& set, const std::string& dir) {
  const Totals t = totals(set);
  out << "vectors: " << t.cases << " cases in " << dir << ": " << t.checked << " checked, "
      << t.skipped << " skipped by the framework (not counted as passes)";
  if (!set.manifest().not_exported.empty())
    out << "; " << set.manifest().not_exported.size() << " empty batches not exported";
  out << "\n";
  std::map<std::pair<std::string, std::string>, std::size_t> reasons;  // (kernel, reason)
  for (const VectorCase* c : set.skipped_cases()) ++reasons[{kernel_of(set, *c), c->skipped}];
  for (const auto& [key, count] : reasons) {
    std::size_t total = 0;
    for (const KernelCases& k : set.summary())
      if (k.kernel == key.first) total = k.total;
    out << "  skipped " << key.first << ": " << count << " of " << total << " cases: " << key.second
        << "\n";
  }
}

std::string add_vectors_json(const std::string& gate_json, const VectorSet& set,
                             const std::string& dir) {
  json doc = json::parse(gate_json);
  const auto summary = set.summary();
  for (json& kernel : doc["kernels"])
    for (const KernelCases& k : summary)
      if (kernel["name"] == k.kernel)
        kernel["cases"] = {{"total", k.total}, {"checked", k.checked}, {"skipped", k.skipped}};
  json kernels = json::array();
  for (const KernelCases& k : summary)
    kernels.push_back({{"name", k.kernel},
                       {"op", std::string(name(k.op))},
                       {"dtype", std::string(name(k.format))},
                       {"cases", k.total},
                       {"checked", k.checked},
                       {"skipped", k.skipped},
                       {"in_gate", k.has_kernel()}});
  json skipped = json::array();
  for (const VectorCase* c : set.skipped_cases())
    skipped.push_back({{"id", c->id}, {"kernel", kernel_of(set, *c)}, {"reason", c->skipped}});
  const Totals t = totals(set);
  doc["vectors"] = {{"directory", dir},
                    {"provider", set.provider()},
                    {"cases", t.cases},
                    {"checked", t.checked},
                    {"skipped", t.skipped},
                    {"not_exported", set.manifest().not_exported.size()},
                    {"kernels", kernels},
                    {"skipped_cases", skipped}};
  return doc.dump(2) + "\n";
}

std::string add_vectors_junit(const std::string& gate_junit, const VectorSet& set) {
  const auto skipped = set.skipped_cases();
  const std::size_t end = gate_junit.rfind("</testsuites>");
  if (skipped.empty() || end == std::string::npos) return gate_junit;
  std::string suite = "  <testsuite name=\"vectors: cases skipped by the framework\" tests=\"" +
                      std::to_string(skipped.size()) + "\" skipped=\"" +
                      std::to_string(skipped.size()) + "\">\n";
  for (const VectorCase* c : skipped)
    suite += "    <testcase classname=\"" + xml_escape(kernel_of(set, *c)) + "\" name=\"" +
             xml_escape(c->id) + "\"><skipped message=\"" + xml_escape(c->skipped) +
             "\"/></testcase>\n";
  suite += "  </testsuite>\n";
  std::string xml = gate_junit.substr(0, end) + suite + gate_junit.substr(end);
  xml = bump_attribute(xml, "tests", skipped.size());
  return bump_attribute(xml, "skipped", skipped.size());
}

}  // namespace softcheck::vectors
