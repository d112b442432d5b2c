// The exhaustive sweep's files: see exhaustive_report.hpp.
#include "report/exhaustive_report.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "checks/gate_merge.hpp"
#include "report/gate_shard.hpp"

namespace softcheck {
namespace {

using nlohmann::json;

json hard_case_json(const HardCase& c) {
  json logits = json::array();
  for (std::uint16_t bits : c.logits) {
    char text[8];
    std::snprintf(text, sizeof text, "0x%04x", bits);
    logits.push_back(text);
  }
  return {{"output", c.output},
          {"logits", logits},
          {"target", c.target},
          {"element", c.element},
          {"exact_hi", exact_number_text(c.exact_hi)},
          {"exact_lo", exact_number_text(c.exact_lo)},
          {"rounded", exact_number_text(c.rounded)},
          {"distance_ulp", exact_number_text(c.distance)}};
}

HardCase hard_case_from(const json& j, const std::string& path) {
  HardCase c;
  c.output = j.at("output").get<std::string>();
  for (const json& bits : j.at("logits"))
    c.logits.push_back(static_cast<std::uint16_t>(std::stoul(bits.get<std::string>(), nullptr, 16)));
  c.target = j.at("target").get<std::int64_t>();
  c.element = j.at("element").get<std::size_t>();
  c.exact_hi = exact_number_value(j.at("exact_hi"), path);
  c.exact_lo = exact_number_value(j.at("exact_lo"), path);
  c.rounded = exact_number_value(j.at("rounded"), path);
  c.distance = exact_number_value(j.at("distance_ulp"), path);
  return c;
}

std::string cell(const KernelResult& r, Check check) {
  const auto found = r.checks.find(check);
  if (found == r.checks.end()) return "-";
  std::ostringstream out;
  // Six digits: an accuracy worst of 0.500017 ulp (an output not correctly rounded) must not
  // print as 0.5.
  out << found->second.violations << " of " << found->second.elements << " (worst "
      << std::setprecision(6) << found->second.worst_error << ")";
  return out.str();
}

}  // namespace

void write_exhaustive_shard(std::ostream& out, const ExhaustiveHeader& header,
                            const ExhaustiveShard& shard, const std::vector<bool>& expect_fail) {
  json kernels = json::array();
  for (std::size_t k = 0; k < shard.kernels.size(); ++k) {
    json entry = exact_kernel_result_json(shard.kernels[k].result);
    entry["name"] = shard.kernels[k].kernel;
    entry["rows"] = shard.kernels[k].rows;
    entry["expect"] = expect_fail[k] ? "fail" : "pass";
    kernels.push_back(std::move(entry));
  }
  json hardest = json::array();
  for (const HardCase& c : shard.hardest) hardest.push_back(hard_case_json(c));
  const json document = {{"document", kExhaustiveShardDocument},
                         {"version", header.version},
                         {"command", header.command},
                         {"plan", header.plan},
                         {"format", std::string(name(shard.format))},
                         {"shard", exhaustive_shard_name(shard.index)},
                         {"rows", shard.rows},
                         {"seconds", exact_number_text(shard.seconds)},
                         {"kernels", kernels},
                         {"hardest", hardest}};
  json written = document;
  if (shard.cpu_seconds) written["cpu_seconds"] = exact_number_text(*shard.cpu_seconds);
  out << written.dump(1) << "\n";
}

StoredExhaustiveShard read_exhaustive_shard(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw ShardFileError(path + ": cannot open");
  StoredExhaustiveShard stored;
  try {
    const json document = json::parse(file);
    if (document.value("document", "") != kExhaustiveShardDocument)
      throw ShardFileError(path + ": not an exhaustive sweep's shard file");
    stored.header = {document.at("version").get<std::string>(),
                     document.at("command").get<std::string>(),
                     document.at("plan").get<std::string>()};
    const auto format = parse_format(document.at("format").get<std::string>());
    const auto index = parse_exhaustive_shard(document.at("shard").get<std::string>());
    if (!format || !index) throw ShardFileError(path + ": unknown format or shard");
    ExhaustiveShard& shard = stored.shard;
    shard.format = *format;
    shard.index = *index;
    shard.rows = document.at("rows").get<std::size_t>();
    shard.seconds = exact_number_value(document.at("seconds"), path);
    if (document.contains("cpu_seconds"))
      shard.cpu_seconds = exact_number_value(document.at("cpu_seconds"), path);
    for (const json& k : document.at("kernels")) {
      ExhaustiveKernel entry;
      entry.kernel = k.at("name").get<std::string>();
      entry.rows = k.at("rows").get<std::size_t>();
      read_exact_kernel_result(k, path, entry.result);
      stored.expect_fail.push_back(k.at("expect").get<std::string>() == "fail");
      shard.kernels.push_back(std::move(entry));
    }
    for (const json& c : document.at("hardest")) shard.hardest.push_back(hard_case_from(c, path));
  } catch (const json::exception& e) {
    throw ShardFileError(path + ": malformed (" + e.what() + ")");
  } catch (const std::invalid_argument&) {
    throw ShardFileError(path + ": malformed bit pattern");
  }
  return stored;
}

ExhaustiveSummary summarize_exhaustive(const std::vector<StoredExhaustiveShard>& stored) {
  ExhaustiveSummary summary;
  for (const StoredExhaustiveShard& s : stored) summary.shards.push_back(&s.shard);
  std::sort(summary.shards.begin(), summary.shards.end(),
            [](const ExhaustiveShard* a, const ExhaustiveShard* b) { return a->index < b->index; });
  if (stored.empty()) return summary;
  summary.format = stored.front().shard.format;
  summary.expect_fail = stored.front().expect_fail;
  for (const ExhaustiveKernel& k : stored.front().shard.kernels) summary.kernels.push_back({k.kernel, 0, {}});
  std::map<std::string, std::vector<HardCase>> kinds;
  for (const ExhaustiveShard* shard : summary.shards) {
    summary.rows += shard->rows;
    summary.seconds += shard->seconds;
    if (shard->cpu_seconds) {
      summary.cpu_seconds += *shard->cpu_seconds;
      ++summary.cpu_timed_shards;
    }
    for (std::size_t k = 0; k < shard->kernels.size() && k < summary.kernels.size(); ++k) {
      summary.kernels[k].rows += shard->kernels[k].rows;
      merge_kernel_result(summary.kernels[k].result, shard->kernels[k].result,
                          GateOptions{}.reproducers_per_check);
    }
    for (const HardCase& c : shard->hardest) kinds[c.output].push_back(c);
  }
  for (auto& [kind, cases] : kinds) {
    keep_hardest(cases, kHardestPerShard);
    summary.hardest.insert(summary.hardest.end(), cases.begin(), cases.end());
  }
  return summary;
}

void write_exhaustive_markdown(std::ostream& out, const ExhaustiveSummary& s,
                               const SummaryProvenance& provenance) {
  const std::size_t expected_rows = kPatterns * kPatterns;
  std::size_t pair_rows = 0, pair_shards = 0;
  for (const ExhaustiveShard* shard : s.shards)
    if (shard->index != kSinglesShard) pair_rows += shard->rows, ++pair_shards;
  out << "# Exhaustive " << name(s.format) << " sweep\n\nWritten by `" << provenance.command
      << "` (softcheck " << provenance.version << ") from the shard files beside it. "
      << provenance.shard_writers << "\n\n";
  out << "Every ordered pair of " << name(s.format) << " bit patterns as an n = 2 row, and every "
      << "pattern as a one-element row; kernels with a target take each pair with the target "
         "on either side. "
      << pair_shards << " of " << kPairShards << " pair shards present: " << pair_rows << " of "
      << expected_rows << " pair rows" << (pair_rows == expected_rows ? " (complete)" : "")
      << "; one-element rows "
      << (std::any_of(s.shards.begin(), s.shards.end(),
                      [](const ExhaustiveShard* x) { return x->index == kSinglesShard; })
              ? "present"
              : "pending")
      << ". Time: " << std::fixed << std::setprecision(1) << s.seconds
      << " s of wall time summed over the shards";
  if (s.cpu_timed_shards > 0)
    out << "; " << s.cpu_seconds << " s of CPU time summed over the " << s.cpu_timed_shards
        << (s.cpu_timed_shards == s.shards.size()
                ? " shards"
                : " shards that record it (the rest were written before CPU time was recorded)");
  out << ".\n\n";
  out.unsetf(std::ios::floatfield);
  out << "## Kernels\n\n| kernel | rows | violations | accuracy | special | sum_to_one | ranking | bias |\n"
         "|---|---|---|---|---|---|---|---|\n";
  for (std::size_t k = 0; k < s.kernels.size(); ++k) {
    const ExhaustiveKernel& e = s.kernels[k];
    out << "| `" << e.kernel << "`" << (s.expect_fail[k] ? " (expected to fail)" : "") << " | "
        << e.rows << " | " << e.result.violations() << " | " << cell(e.result, Check::accuracy)
        << " | " << cell(e.result, Check::special) << " | " << cell(e.result, Check::sum_to_one)
        << " | " << cell(e.result, Check::ranking) << " | " << cell(e.result, Check::bias) << " |\n";
  }
  out << "\nEach cell: violations of elements checked (worst error in the check's unit; an "
         "accuracy worst above 0.5 ulp means some output is not correctly rounded). Every "
         "check the gate makes is counted; the shard files hold them all, with the first "
         "reproducers of each check per shard.\n\n## Violations kept\n\n";
  bool any = false;
  out << std::setprecision(6);  // the time line above left 1 digit
  for (const ExhaustiveKernel& e : s.kernels)
    for (const Violation& v : e.result.reproducers) {
      any = true;
      if (v.logits.empty()) {  // a family's violation (bias): the family and the statistics
        out << "- `" << e.kernel << "` " << name(v.check) << ", family " << v.family
            << ": measurement " << v.error << " of an allowed " << v.allowed << "; "
            << v.message << "\n";
        continue;
      }
      out << "- `" << e.kernel << "` " << name(v.check) << ", logits";
      for (double x : v.logits) out << " " << std::hexfloat << x << std::defaultfloat;
      out << " (target " << v.target << "), " << v.output << "[" << v.element << "]: got "
          << std::hexfloat << v.got << ", expected " << v.expected << std::defaultfloat
          << ", error " << v.error << " (allowed " << v.allowed << ")"
          << (v.message.empty() ? "" : ": " + v.message) << "\n";
    }
  if (!any) out << "None.\n";
  out << "\n## Hardest cases\n\nPer output, the rows whose exact value lies closest to a "
         "midpoint of the "
      << name(s.format) << " grid (distance in ulps; the full list with exact values is the "
         "hardest-cases JSON file).\n\n| output | logits (bits) | target | element | distance (ulp) |\n"
         "|---|---|---|---|---|\n";
  for (const HardCase& c : s.hardest) {
    out << "| " << c.output << " |";
    for (std::uint16_t bits : c.logits) {
      char text[8];
      std::snprintf(text, sizeof text, " 0x%04x", bits);
      out << text;
    }
    out << " | " << c.target << " | " << c.element << " | " << std::setprecision(3) << c.distance
        << " |\n";
  }
  out << "\n## Shards\n\nWall time, and the process's CPU time over the shard (all threads; "
         "not recorded in the earliest shard files).\n\n| shard | rows | seconds | CPU seconds |\n"
         "|---|---|---|---|\n";
  for (const ExhaustiveShard* shard : s.shards) {
    out << "| " << exhaustive_shard_name(shard->index) << " | " << shard->rows << " | "
        << std::fixed << std::setprecision(1) << shard->seconds << " | ";
    if (shard->cpu_seconds) {
      out << *shard->cpu_seconds;
    } else {
      out << "—";
    }
    out << std::defaultfloat << " |\n";
  }
}

void write_hardest_cases(std::ostream& out, const ExhaustiveSummary& s,
                         const SummaryProvenance& provenance) {
  json cases = json::array();
  for (const HardCase& c : s.hardest) cases.push_back(hard_case_json(c));
  out << json{{"command", provenance.command},
              {"version", provenance.version},
              {"shard_writers", provenance.shard_writers},
              {"format", std::string(name(s.format))},
              {"cases", cases}}
             .dump(1)
      << "\n";
}

}  // namespace softcheck
