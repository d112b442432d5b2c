#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include "report/gate_report.hpp"

namespace softcheck {
namespace {

// The bias cell: the signed mean error in ulps of the family nearest its thresholds (the
// largest ratio), and xN flagged families.
std::string bias_cell(const KernelResult& k, const CheckStats& s) {
  const auto nearest =
      std::max_element(k.bias.begin(), k.bias.end(),
                       [](const FamilyBias& a, const FamilyBias& b) { return a.ratio < b.ratio; });
  std::ostringstream text;
  text << std::showpos << std::fixed << std::setprecision(2) << nearest->stats.mean_error();
  if (s.violations > 0) text << std::noshowpos << " x" << s.violations;
  return text.str();
}

}  // namespace

std::string table_cell(const KernelResult& k, Check check) {
  const auto it = k.checks.find(check);
  if (it == k.checks.end() || it->second.elements == 0) return "-";
  const CheckStats& s = it->second;
  if (check == Check::bias) return bias_cell(k, s);
  std::ostringstream text;
  if (std::isinf(s.worst_error)) {
    text << "inf";
  } else if (s.worst_error >= 1e5) {
    text << std::scientific << std::setprecision(1) << s.worst_error;
  } else {
    text << std::fixed << std::setprecision(s.worst_error < 10 ? 2 : 0) << s.worst_error;
  }
  if (s.violations > 0) text << " x" << s.violations;
  return text.str();
}

std::string declared_summary(const KernelResult& k) {
  std::string text;
  for (const auto& [check, count] : k.declared) {
    if (count == 0) continue;
    text += (text.empty() ? "" : ", ") + std::string(name(check)) + ": " + std::to_string(count);
  }
  return text;
}

namespace {

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", seconds);
  return text;
}

}  // namespace

void print_gate_table(std::ostream& out, const GateResult& result) {
  std::size_t width = 6;
  for (const auto& k : result.kernels) width = std::max(width, k.kernel->name().size());
  out << std::left << std::setw(static_cast<int>(width)) << "kernel";
  for (Check c : kAllChecks) out << "  " << std::setw(12) << name(c);
  out << "  verdict\n";
  for (const auto& k : result.kernels) {
    out << std::setw(static_cast<int>(width)) << k.kernel->name();
    for (Check c : kAllChecks) out << "  " << std::setw(12) << table_cell(k, c);
    out << "  " << name(k.verdict);
    const std::string declared = declared_summary(k);
    if (!declared.empty()) out << "  (declared properties used: " << declared << ")";
    out << "\n";
  }
  std::size_t passed = 0, failed = 0, xfail = 0;
  for (const auto& k : result.kernels) {
    if (k.verdict == Verdict::pass) ++passed;
    else if (k.verdict == Verdict::expected_fail) ++xfail;
    else ++failed;
  }
  out << "declared properties: elements that pass only because the provider's contract "
         "(contracts/providers/) declares them; --strict makes them violations\n";
  out << "cells: worst error (accuracy: ulps of the exact result, or for the backward ops units "
         "of their bound, <= 1 within it; subnormal: units of the smallest "
         "subnormal; sum_to_one: eps; ranking, descent, risk_order: error of the compared "
         "difference in units of the bound, <= 1 within the contract; bias: mean signed error "
         "in ulps, positive away from zero, of the family nearest its thresholds; crash: 1 for a "
         "failed call, zero-size calls included; in_place: ulps between the in-place and "
         "out-of-place results; deterministic: ulps between two calls' results, --run-twice) "
         "and xN violations (ranking, descent, in_place, deterministic: rows; "
         "risk_order: pairs of rows; crash: calls; bias: families)\n";
  out << "gate " << (result.ok() ? "PASSED" : "FAILED") << ": " << passed << " passed, " << failed
      << " failed, " << xfail << " failed as expected; " << result.reference_elements
      << " reference elements, suite " << name(result.suite) << ", seed " << result.seed << ", "
      << seconds_text(result.seconds) << "\n";
}

std::string violation_site(const Violation& v) {
  if (v.check == Check::bias) return "";
  if (v.family == kZeroSizeFamily)  // the call's shape is in the message
    return v.output == "call" ? "" : "row " + std::to_string(v.row) + " " + v.output;
  return "batch " + std::to_string(v.batch) + " row " + std::to_string(v.row) + " " + v.output +
         "[" + std::to_string(v.element) + "]";
}

std::string gate_replay(const GateResult& result, const Violation& v) {
  return "softcheck gate --kernel '" + v.kernel + "' --suite " + std::string(name(result.suite)) +
         " --seed " + std::to_string(result.seed);
}

namespace {

// "  logits   0x1p+0,-0x1.8p+1": a row of values in hexadecimal, labelled.
void print_values(std::ostream& out, const std::string& label, const std::vector<double>& values) {
  out << "  " << label << std::string(label.size() < 9 ? 9 - label.size() : 1, ' ');
  for (std::size_t i = 0; i < values.size(); ++i) {
    char hex[40];
    std::snprintf(hex, sizeof hex, "%a", values[i]);
    out << (i ? "," : "") << hex;
  }
  out << "\n";
}

}  // namespace

void print_reproducers(std::ostream& out, const GateResult& result, ReplayCommand replay) {
  if (!replay) replay = [&result](const Violation& v) { return gate_replay(result, v); };
  for (const auto& k : result.kernels) {
    if (k.reproducers.empty()) continue;
    const bool expected = k.verdict == Verdict::expected_fail;
    for (const Violation& v : k.reproducers) {
      out << (expected ? "expected violation: " : "VIOLATION: ") << v.kernel << " check "
          << name(v.check) << (v.message.empty() ? "" : " (" + v.message + ")") << " family "
          << v.family;
      const std::string site = violation_site(v);
      if (!site.empty())
        out << " " << site << " (n = " << v.n << ", target " << v.target << ")";
      out << "\n  got      " << decimal_and_hex(v.got) << "\n  expected "
          << decimal_and_hex(v.expected) << "\n  error    " << v.error << " (allowed " << v.allowed
          << ")\n  replay   " << replay(v) << "\n";
      if (!v.logits.empty()) print_values(out, "logits", v.logits);
      for (const auto& [input, values] : v.inputs) print_values(out, input, values);
    }
  }
}

}  // namespace softcheck
