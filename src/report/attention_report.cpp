#include "report/attention_report.hpp"
#include "report/json_number.hpp"

#include <cmath>
#include <iomanip>
#include <sstream>

#include "core/xml_escape.hpp"

namespace softcheck {
namespace {

using nlohmann::json;


// "0.031" (worst error in units of its bound), "x12" appended for violations, "-" unchecked.
std::string cell(const AttentionKernelResult& k, const std::string& check) {
  const auto found = k.checks.find(check);
  if (found == k.checks.end() || found->second.checked == 0) return "-";
  const AttentionCheckStats& s = found->second;
  std::ostringstream out;
  if (check == "masked-row" || check == "crash")
    out << s.checked - s.violations << "/" << s.checked << " ok";
  else
    out << std::setprecision(2) << s.worst_ratio;
  if (s.violations > 0 && check != "masked-row" && check != "crash") out << " (" << s.violations << " over)";
  if (s.vacuous > 0) out << " (" << s.vacuous << " vacuous)";
  return out.str();
}

std::string refused_summary(const AttentionKernelResult& k) {
  std::size_t total = 0;
  for (const auto& [reason, count] : k.refused) total += count;
  if (total == 0) return "-";
  std::string text = std::to_string(total);
  text += " (";
  bool first = true;
  for (const auto& [reason, count] : k.refused) {
    text += (first ? "" : "; ") + reason + ": " + std::to_string(count);
    first = false;
  }
  return text + ")";
}

std::string formats(const AttentionKernel& k) {
  return std::string(name(k.formats.storage)) + "/" + std::string(name(k.formats.accumulation)) +
         "/" + std::string(name(k.formats.p));
}

}  // namespace

void print_attention_reproducers(std::ostream& out, const AttentionGateResult& result,
                                 const AttentionReplay& replay) {
  for (const AttentionKernelResult& k : result.kernels)
    for (const AttentionViolation& v : k.reproducers) {
      out << "FAIL " << v.kernel << " [" << v.check << "] family " << v.family << " (seed "
          << v.family_seed << ") case " << v.case_index << " row " << v.row;
      if (v.check == "output") out << " column " << v.column;
      out << ": " << v.description << "\n";
      if (v.check == "crash") {
        out << "  " << v.message << "\n";
      } else {
        out << "  got " << decimal_and_hex(v.got) << ", expected " << decimal_and_hex(v.expected);
        if (std::isfinite(v.allowed) && v.check != "masked-row")
          out << " (exact " << std::setprecision(17) << v.exact << "), error " << std::setprecision(3)
              << v.error << " > allowed " << v.allowed;
        if (!v.message.empty()) out << " - " << v.message;
        out << "\n";
      }
      out << "  replay: " << (replay ? replay(v) : replay_command(v, result.suite, result.seed))
          << "\n";
    }
}

void print_attention_table(std::ostream& out, const AttentionGateResult& result) {
  out << "\nattention (suite " << name(result.suite) << ", seed " << result.seed << "; "
      << result.reference_rows << " reference rows, " << result.mpfr_rows << " decided in MPFR; "
      << std::fixed << std::setprecision(1) << result.seconds << " s)\n";
  out.unsetf(std::ios::floatfield);
  out << std::left << std::setw(48) << "kernel" << std::setw(16) << "formats s/a/P" << std::setw(7)
      << "cases" << std::setw(26) << "output (x bound)" << std::setw(22) << "lse (x bound)"
      << std::setw(14) << "masked rows" << std::setw(8) << "verdict" << "declared limits\n";
  for (const AttentionKernelResult& k : result.kernels)
    out << std::setw(48) << k.kernel->name() << std::setw(16) << formats(*k.kernel) << std::setw(7)
        << k.cases << std::setw(26) << cell(k, "output") << std::setw(22) << cell(k, "lse")
        << std::setw(14) << cell(k, "masked-row") << std::setw(8) << (k.passed() ? "pass" : "FAIL")
        << refused_summary(k) << "\n";
  out << std::right;
}

void write_attention_markdown(std::ostream& out, const AttentionGateResult& result) {
  out << "\n### Attention\n\n" << result.reference_rows << " reference rows (" << result.mpfr_rows
      << " decided in MPFR), " << std::fixed << std::setprecision(1) << result.seconds << " s.\n\n";
  out.unsetf(std::ios::floatfield);
  out << "| kernel | formats (storage/accumulation/P) | cases | output | lse | masked rows | crash | "
         "verdict | declared limits |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const AttentionKernelResult& k : result.kernels)
    out << "| `" << k.kernel->name() << "` | " << formats(*k.kernel) << " | " << k.cases << " | "
        << cell(k, "output") << " | " << cell(k, "lse") << " | " << cell(k, "masked-row") << " | "
        << cell(k, "crash") << " | " << (k.passed() ? "pass" : "fail") << " | " << refused_summary(k)
        << " |\n";
  out << "\nCells: the worst error in units of its allowance (the conditioning-derived bound of "
         "docs/attention.md; at most 1 within the contract), (N over): values beyond it, "
         "(N vacuous): values the bound says nothing about (held to the convex hull of V); masked "
         "rows: rows that follow the declared special values.\n";
}

json attention_json(const AttentionGateResult& result) {
  json kernels = json::array();
  for (const AttentionKernelResult& k : result.kernels) {
    json checks = json::object();
    for (const auto& [check, s] : k.checks)
      checks[check] = {{"checked", s.checked}, {"violations", s.violations},
                       {"worst_ratio", json_number(s.worst_ratio)}, {"vacuous", s.vacuous}};
    json refused = json::object();
    for (const auto& [reason, count] : k.refused) refused[reason] = count;
    json reproducers = json::array();
    for (const AttentionViolation& v : k.reproducers)
      reproducers.push_back({{"check", v.check}, {"family", v.family}, {"family_seed", v.family_seed},
                             {"case", v.case_index}, {"row", v.row}, {"column", v.column},
                             {"got", decimal_and_hex(v.got)}, {"expected", decimal_and_hex(v.expected)},
                             {"exact", json_number(v.exact)}, {"error", json_number(v.error)},
                             {"allowed", json_number(v.allowed)}, {"case_description", v.description},
                             {"message", v.message},
                             {"replay", replay_command(v, result.suite, result.seed)}});
    const AttentionKernel& kernel = *k.kernel;
    kernels.push_back({{"name", kernel.name()},
                       {"storage", std::string(name(kernel.formats.storage))},
                       {"accumulation", std::string(name(kernel.formats.accumulation))},
                       {"p_format", std::string(name(kernel.formats.p))},
                       {"provides_lse", kernel.provides_lse},
                       {"declared_masked_row", std::string(name(kernel.declared.masked_row))},
                       {"declared_masked_row_lse", json_number(kernel.declared.masked_row_lse)},
                       {"verdict", k.passed() ? "pass" : "fail"},
                       {"cases", k.cases},
                       {"declared_limits", refused},
                       {"checks", checks},
                       {"reproducers", reproducers}});
  }
  return {{"suite", std::string(name(result.suite))}, {"seed", result.seed},
          {"passed", result.ok()}, {"seconds", result.seconds},
          {"reference_rows", result.reference_rows}, {"mpfr_rows", result.mpfr_rows},
          {"kernels", kernels}};
}

JunitCounts attention_junit_counts(const AttentionGateResult& result) {
  JunitCounts counts;
  for (const AttentionKernelResult& k : result.kernels)
    for (const auto& [check, stats] : k.checks) {
      ++counts.tests;
      if (stats.violations > 0) ++counts.failures;
    }
  return counts;
}

void write_attention_junit_suites(std::ostream& out, const AttentionGateResult& result,
                                  const RunInfo& info) {
  for (const AttentionKernelResult& k : result.kernels) {
    const std::string kernel = xml_escape(k.kernel->name());
    out << "  <testsuite name=\"" << kernel << "\" tests=\"" << k.checks.size() << "\">\n"
        << "    <properties><property name=\"command\" value=\"" << xml_escape(info.command)
        << "\"/><property name=\"seed\" value=\"" << result.seed << "\"/></properties>\n";
    for (const auto& [check, stats] : k.checks) {
      out << "    <testcase classname=\"" << kernel << "\" name=\"" << xml_escape(check) << "\">";
      if (stats.violations > 0) {
        std::ostringstream text;
        for (const AttentionViolation& v : k.reproducers)
          if (v.check == check)
            text << "family " << v.family << " case " << v.case_index << " row " << v.row
                 << " column " << v.column << ": got " << decimal_and_hex(v.got) << ", expected "
                 << decimal_and_hex(v.expected) << "\nreplay: "
                 << replay_command(v, result.suite, result.seed) << "\n";
        out << "<failure message=\"" << stats.violations << " violations\">"
            << xml_escape(text.str()) << "</failure>";
      }
      out << "</testcase>\n";
    }
    out << "  </testsuite>\n";
  }
}

}  // namespace softcheck
