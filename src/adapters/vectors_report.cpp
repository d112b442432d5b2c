// Vector-file accounting in the reports of `vectors check` (see vectors_report.hpp).
#include "adapters/vectors_report.hpp"

#include <map>
#include <regex>
#include <stdexcept>

#include "core/xml_escape.hpp"

namespace softcheck::vectors {
namespace {

using nlohmann::json;

struct Totals {
  std::size_t cases = 0, checked = 0, skipped = 0;
};

Totals totals(const VectorsAccount& account) {
  Totals t;
  for (const KernelCases& k : account.kernels)
    t.cases += k.total, t.checked += k.checked, t.skipped += k.skipped;
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

template <class T>
T parsed(std::optional<T> value, const std::string& field) {
  if (!value) throw std::runtime_error("unknown value of '" + field + "'");
  return *value;
}

}  // namespace

VectorsAccount account_of(const VectorSet& set, const std::string& dir) {
  VectorsAccount account{dir, set.provider(), set.summary(), {}, set.manifest().not_exported.size()};
  for (const VectorCase* c : set.skipped_cases())
    account.skipped.push_back({c->id, kernel_of(set, *c), c->skipped});
  return account;
}

json account_json(const VectorsAccount& account) {
  json kernels = json::array();
  for (const KernelCases& k : account.kernels)
    kernels.push_back({{"kernel", k.kernel}, {"op", std::string(name(k.op))},
                       {"format", std::string(name(k.format))}, {"total", k.total},
                       {"skipped", k.skipped}, {"checked", k.checked}});
  json skipped = json::array();
  for (const SkippedCase& c : account.skipped)
    skipped.push_back({{"id", c.id}, {"kernel", c.kernel}, {"reason", c.reason}});
  return {{"dir", account.dir}, {"provider", account.provider}, {"kernels", kernels},
          {"skipped", skipped}, {"not_exported", account.not_exported}};
}

VectorsAccount account_from_json(const json& value) {
  try {
    VectorsAccount account;
    account.dir = value.at("dir").get<std::string>();
    account.provider = value.at("provider").get<std::string>();
    account.not_exported = value.at("not_exported").get<std::size_t>();
    for (const json& k : value.at("kernels"))
      account.kernels.push_back({k.at("kernel").get<std::string>(),
                                 parsed(parse_op(k.at("op").get<std::string>()), "op"),
                                 parsed(parse_format(k.at("format").get<std::string>()), "format"),
                                 k.at("total").get<std::size_t>(), k.at("skipped").get<std::size_t>(),
                                 k.at("checked").get<std::size_t>()});
    for (const json& c : value.at("skipped"))
      account.skipped.push_back({c.at("id").get<std::string>(), c.at("kernel").get<std::string>(),
                                 c.at("reason").get<std::string>()});
    return account;
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("malformed vectors account (") + e.what() + ")");
  }
}

void add_checked(VectorsAccount& total, const VectorsAccount& shard) {
  for (KernelCases& k : total.kernels)
    for (const KernelCases& s : shard.kernels)
      if (s.kernel == k.kernel) k.checked += s.checked;
}

void print_vectors_summary(std::ostream& out, const VectorsAccount& account) {
  const Totals t = totals(account);
  out << "vectors: " << t.cases << " cases in " << account.dir << ": " << t.checked << " checked, "
      << t.skipped << " skipped by the framework (not counted as passes)";
  if (account.not_exported > 0) out << "; " << account.not_exported << " empty batches not exported";
  out << "\n";
  std::map<std::pair<std::string, std::string>, std::size_t> reasons;  // (kernel, reason)
  for (const SkippedCase& c : account.skipped) ++reasons[{c.kernel, c.reason}];
  for (const auto& [key, count] : reasons) {
    std::size_t total = 0;
    for (const KernelCases& k : account.kernels)
      if (k.kernel == key.first) total = k.total;
    out << "  skipped " << key.first << ": " << count << " of " << total << " cases: " << key.second
        << "\n";
  }
}

std::string add_vectors_json(const std::string& gate_json, const VectorsAccount& account) {
  json doc = json::parse(gate_json);
  for (json& kernel : doc["kernels"])
    for (const KernelCases& k : account.kernels)
      if (kernel["name"] == k.kernel)
        kernel["cases"] = {{"total", k.total}, {"checked", k.checked}, {"skipped", k.skipped}};
  json kernels = json::array();
  for (const KernelCases& k : account.kernels)
    kernels.push_back({{"name", k.kernel},
                       {"op", std::string(name(k.op))},
                       {"dtype", std::string(name(k.format))},
                       {"cases", k.total},
                       {"checked", k.checked},
                       {"skipped", k.skipped},
                       {"in_gate", k.has_kernel()}});
  json skipped = json::array();
  for (const SkippedCase& c : account.skipped)
    skipped.push_back({{"id", c.id}, {"kernel", c.kernel}, {"reason", c.reason}});
  const Totals t = totals(account);
  doc["vectors"] = {{"directory", account.dir},
                    {"provider", account.provider},
                    {"cases", t.cases},
                    {"checked", t.checked},
                    {"skipped", t.skipped},
                    {"not_exported", account.not_exported},
                    {"kernels", kernels},
                    {"skipped_cases", skipped}};
  return doc.dump(2) + "\n";
}

std::string add_vectors_junit(const std::string& gate_junit, const VectorsAccount& account) {
  const auto& skipped = account.skipped;
  const std::size_t end = gate_junit.rfind("</testsuites>");
  if (skipped.empty() || end == std::string::npos) return gate_junit;
  std::string suite = "  <testsuite name=\"vectors: cases skipped by the framework\" tests=\"" +
                      std::to_string(skipped.size()) + "\" skipped=\"" +
                      std::to_string(skipped.size()) + "\">\n";
  for (const SkippedCase& c : skipped)
    suite += "    <testcase classname=\"" + xml_escape(c.kernel) + "\" name=\"" +
             xml_escape(c.id) + "\"><skipped message=\"" + xml_escape(c.reason) +
             "\"/></testcase>\n";
  suite += "  </testsuite>\n";
  std::string xml = gate_junit.substr(0, end) + suite + gate_junit.substr(end);
  xml = bump_attribute(xml, "tests", skipped.size());
  return bump_attribute(xml, "skipped", skipped.size());
}

}  // namespace softcheck::vectors
