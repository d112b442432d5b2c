#include <sstream>

#include "core/xml_escape.hpp"
#include "report/attention_report.hpp"
#include "report/gate_report.hpp"

namespace softcheck {
namespace {

std::string describe(const KernelResult& k, Check check, const CheckStats& stats) {
  std::ostringstream text;
  text << stats.violations << " of " << stats.elements
       << (check == Check::bias ? " families" : " elements") << " violate the contract; worst "
       << stats.worst_error << " (allowed " << stats.worst_allowed << ")";
  for (const Violation& v : k.reproducers) {
    if (v.check != check) continue;
    const std::string site = violation_site(v);
    text << "\nfamily " << v.family << (site.empty() ? "" : " " + site) << ": "
         << (v.message.empty()  // a crash says what happened instead of got/expected
                 ? "got " + decimal_and_hex(v.got) + ", expected " + decimal_and_hex(v.expected)
                 : v.message);
  }
  return text.str();
}

}  // namespace

// One test suite per kernel, one test case per check. Expected failures are "skipped".
void write_gate_junit(std::ostream& out, const GateResult& result, const RunInfo& info,
                      const AttentionGateResult* attention) {
  std::size_t tests = 0, failures = 0, skipped = 0;
  const double seconds = result.seconds + (attention ? attention->seconds : 0.0);
  for (const auto& k : result.kernels) {
    tests += k.checks.size();
    if (k.verdict == Verdict::unexpected_pass) ++tests, ++failures;
    for (const auto& [check, stats] : k.checks)
      if (stats.violations > 0) ++(k.contract.expect_fail ? skipped : failures);
  }
  if (attention) {
    const JunitCounts counts = attention_junit_counts(*attention);
    tests += counts.tests;
    failures += counts.failures;
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"softcheck gate\" tests=\"" << tests << "\" failures=\"" << failures
      << "\" skipped=\"" << skipped << "\" time=\"" << seconds << "\">\n";
  for (const auto& k : result.kernels) {
    const std::string kernel = xml_escape(k.kernel->name());
    out << "  <testsuite name=\"" << kernel << "\" tests=\"" << k.checks.size() << "\">\n"
        << "    <properties><property name=\"command\" value=\"" << xml_escape(info.command)
        << "\"/><property name=\"seed\" value=\"" << result.seed << "\"/></properties>\n";
    if (k.verdict == Verdict::unexpected_pass)
      out << "    <testcase classname=\"" << kernel << "\" name=\"expected_failure\"><failure "
          << "message=\"declared expect=fail but every check passed\">"
          << xml_escape(k.contract.reason) << "</failure></testcase>\n";
    for (const auto& [check, stats] : k.checks) {
      out << "    <testcase classname=\"" << kernel << "\" name=\"" << name(check) << "\">";
      if (stats.violations > 0 && k.contract.expect_fail) {
        out << "<skipped message=\"expected failure: " << xml_escape(k.contract.reason) << "\"/>";
      } else if (stats.violations > 0) {
        out << "<failure message=\"" << stats.violations << " violations\">"
            << xml_escape(describe(k, check, stats)) << "</failure>";
      }
      out << "</testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  if (attention) write_attention_junit_suites(out, *attention, info);
  out << "</testsuites>\n";
}

}  // namespace softcheck
