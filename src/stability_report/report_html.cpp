// report.html: one self-contained page (inline CSS and SVG, no scripts, no network). It
// leads with the verdict per kernel, then the reproducers of every violation, accuracy
// against input scale, softmax-collapse onsets against theory, the Taylor-radius figures,
// the H-consistency checks and the run's machine and versions. Every figure names its data
// (a key of report.json) and the command that reproduces it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "core/xml_escape.hpp"
#include "hconsistency/bound.hpp"
#include "report/collapse_report.hpp"
#include "report/gate_report.hpp"
#include "report/svg_plot.hpp"
#include "stability_report/figures.hpp"
#include "stability_report/report_common.hpp"
#include "stability_report/report_writers.hpp"

namespace softcheck::stability {
namespace {

using softcheck::xml_escape;

constexpr const char* kStyle = R"(
body{font-family:sans-serif;margin:24px;max-width:1200px;color:#222}
h1{margin-bottom:4px} h2{border-bottom:1px solid #ccc;padding-bottom:3px;margin-top:32px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
td,th{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f0f0f0} code,pre{font-size:12px;background:#f6f6f6}
pre{padding:6px;overflow-x:auto;white-space:pre-wrap}
tr.pass td.verdict{color:#176d1f;font-weight:bold} tr.fail td.verdict,tr.unexpected td.verdict{color:#b00;font-weight:bold}
tr.xfail td.verdict{color:#8a6d00;font-weight:bold}
figure{margin:16px 0;border:1px solid #ddd;padding:8px;display:inline-block}
figcaption{font-size:12px;color:#444;max-width:880px} figcaption code{word-break:break-all}
.summary span{display:inline-block;margin-right:18px;font-weight:bold}
details{margin:6px 0} summary{cursor:pointer}
nav a{margin-right:12px}
)";

std::string e(const std::string& text) { return xml_escape(text); }

const char* verdict_class(Verdict v) {
  switch (v) {
    case Verdict::pass: return "pass";
    case Verdict::fail: return "fail";
    case Verdict::expected_fail: return "xfail";
    case Verdict::unexpected_pass: return "unexpected";
  }
  return "";
}

void figure(std::ostream& out, const std::string& svg, const std::string& data,
            const std::string& command) {
  out << "<figure>\n" << svg << "<figcaption>Data: " << data << "<br>Reproduce: <code>"
      << e(command) << "</code></figcaption></figure>\n";
}

void write_run_info(std::ostream& out, const StabilityReport& r) {
  const MachineInfo& m = r.machine;
  out << "<h2 id=\"run\">Run</h2>\n<table>\n";
  const auto row = [&](const std::string& key, const std::string& value) {
    out << "<tr><th>" << e(key) << "</th><td>" << value << "</td></tr>\n";
  };
  row("command", "<code>" + e(r.options.command_line) + "</code>");
  row("softcheck", e(m.softcheck));
  row("suite, seed", e(std::string(name(r.options.suite))) + ", " + std::to_string(r.options.seed));
  row("time (UTC)", e(m.utc_time));
  char seconds[64];
  std::snprintf(seconds, sizeof seconds, "%.1f s", r.seconds);
  std::string stages = std::string(seconds) + " (";
  for (std::size_t i = 0; i < r.stage_seconds.size(); ++i) {
    std::snprintf(seconds, sizeof seconds, "%.1f s", r.stage_seconds[i].second);
    stages += (i ? ", " : "") + r.stage_seconds[i].first + " " + seconds;
  }
  row("duration", e(stages + ")"));
  row("CPU", e(m.cpu) + ", " + std::to_string(m.cores) + " hardware threads");
  row("system", e(m.os + ", " + m.kernel));
  row("compiler", e(m.compiler));
  std::string providers;
  for (const std::string& p : m.providers) providers += (providers.empty() ? "" : ", ") + p;
  row("providers compiled in", e(providers));
  std::string libraries;
  for (const auto& [package, version] : m.libraries)
    libraries += "<code>" + e(package) + "</code> " + e(version) + "<br>";
  row("library versions", libraries);
  out << "</table>\n";
}

void write_verdicts(std::ostream& out, const StabilityReport& r) {
  const VerdictCounts c = count_verdicts(r.gate);
  out << "<h2 id=\"verdicts\">Verdicts</h2>\n<p class=\"summary\"><span>" << r.gate.kernels.size()
      << " kernels</span><span>" << c.pass << " pass</span><span>" << c.fail
      << " fail</span><span>" << c.expected_fail << " expected failures</span>";
  if (c.unexpected_pass) out << "<span>" << c.unexpected_pass << " unexpected passes</span>";
  out << "</p>\n<p>The gate under the provider contracts (default contracts plus the properties "
         "providers declare, <code>contracts/</code>); \"declared properties used\" counts "
         "elements that pass only because of such a property. Reproduce: <code>"
      << e(gate_command(r, selection_globs(r))) << "</code></p>\n";
  out << "<table id=\"verdict-table\">\n<tr><th>kernel</th><th>verdict</th><th>violations</th>"
         "<th>declared properties used</th><th>worst accuracy (ulps)</th><th>checks violated</th></tr>\n";
  for (const KernelResult& k : r.gate.kernels) {
    std::string violated;
    for (const auto& [check, stats] : k.checks)
      if (stats.violations)
        violated += (violated.empty() ? "" : ", ") + std::string(name(check)) + " x" +
                    std::to_string(stats.violations);
    const std::string kernel = k.kernel->name();
    const std::string link = k.reproducers.empty()
                                 ? e(kernel)
                                 : "<a href=\"#" + anchor(kernel) + "\">" + e(kernel) + "</a>";
    out << "<tr class=\"" << verdict_class(k.verdict) << "\"><td><code>" << link
        << "</code></td><td class=\"verdict\">" << name(k.verdict) << "</td><td>" << k.violations()
        << "</td><td>" << e(declared_summary(k)) << "</td><td>" << short_number(worst_accuracy(k))
        << "</td><td>" << e(violated) << "</td></tr>\n";
  }
  out << "</table>\n";
}

std::string reference_command(const Kernel& kernel, const Violation& v) {
  std::string logits;
  for (double x : v.logits) {
    char hex[40];
    std::snprintf(hex, sizeof hex, "%a", x);
    if (!logits.empty()) logits += ',';
    logits += hex;
  }
  std::string command = "softcheck reference " + std::string(name(kernel.op)) + " --dtype " +
                        std::string(name(kernel.format)) + " --logits \"" + logits + "\"";
  if (kernel.op.spec().takes(Input::target)) command += " --target " + std::to_string(v.target);
  for (Parameter parameter : kernel.op.spec().parameters) {  // the reference command's options
    char value[48];
    std::snprintf(value, sizeof value, " %g", kernel.parameters.value(parameter));
    command += " --" + std::string(name(parameter)) + value;
  }
  return command;
}

void write_reproducers(std::ostream& out, const StabilityReport& r) {
  out << "<h2 id=\"violations\">Violations and reproducers</h2>\n<p>Up to three reproducers "
         "per kernel and check. Each names the input family, batch and row (the families depend "
         "only on suite and seed); rows of at most 32 logits are printed, with the "
         "<code>softcheck reference</code> command that gives the correctly rounded value. "
         "Click a kernel to unfold its reproducers.</p>\n";
  bool any = false;
  for (const KernelResult& k : r.gate.kernels) {
    if (k.reproducers.empty()) continue;
    any = true;
    out << "<details id=\"" << anchor(k.kernel->name()) << "\"><summary><code>" << e(k.kernel->name()) << "</code>: " << name(k.verdict) << ", "
        << k.violations() << " violations</summary>\n<pre>";
    for (const Violation& v : k.reproducers) {
      out << e(std::string(name(v.check))) << (v.message.empty() ? "" : " (" + e(v.message) + ")")
          << ": family " << e(v.family) << " batch " << v.batch << " row " << v.row << " "
          << e(v.output) << "[" << v.element << "] (n = " << v.n << ", target " << v.target
          << ")\n  got      " << e(decimal_and_hex(v.got)) << "\n  expected "
          << e(decimal_and_hex(v.expected)) << "\n  error    " << short_number(v.error)
          << " (allowed " << short_number(v.allowed) << ")\n  replay   "
          << e(gate_replay(r.gate, v)) << "\n";
      if (!v.logits.empty()) out << "  exact    " << e(reference_command(*k.kernel, v)) << "\n";
    }
    out << "</pre></details>\n";
  }
  if (!any) out << "<p>No violations.</p>\n";
}

void write_accuracy(std::ostream& out, const StabilityReport& r) {
  out << "<h2 id=\"accuracy\">Accuracy against input scale</h2>\n<p>Each kernel on "
      << r.accuracy_options.rows << " rows of n = " << r.accuracy_options.n
      << " logits &sigma;&middot;N(0, 1) (rounded to the format) per &sigma;: the worst error "
         "over outputs whose exact value is normal, in ulps of the exact result (log scale). "
         "A hollow triangle at the top is an infinite error (overflow, NaN); the legend counts "
         "elements beyond the kernel's contract over all &sigma;.</p>\n";
  for (const AccuracyFigure& f : accuracy_figures(r))
    figure(out, svg::render(f.plot), "<code>report.json</code> &rarr; <code>accuracy</code>",
           f.command);
}

void write_collapse(std::ostream& out, const StabilityReport& r) {
  out << "<h2 id=\"collapse\">Softmax collapse</h2>\n";
  if (r.collapse.empty()) {
    out << "<p>No cross_entropy or stablemax_cross_entropy kernel selected.</p>\n";
    return;
  }
  out << "<p>Where each cross-entropy kernel's loss becomes exactly 0 for good (confident rows: "
         "target logit g, competitors 0) while the correctly rounded loss is not, beside the "
         "theory (<code>proofs/softmax-collapse.md</code>): the plain-sum onset p ln 2 + ln(n - 1) "
         "and the reference's own zero (output underflow). Kernels without a marker never "
         "collapse before the reference does.</p>\n";
  for (const CollapseFigure& f : collapse_figures(r))
    figure(out, svg::render(f.plot), "<code>report.json</code> &rarr; <code>collapse</code>",
           f.command);
  out << "<details><summary>Onset table</summary><pre>";
  std::ostringstream table;
  print_collapse_table(table, r.collapse);
  out << e(table.str()) << "</pre></details>\n";
}

void write_radius(std::ostream& out, const StabilityReport& r) {
  out << "<h2 id=\"radius\">Safe step: the Taylor radius</h2>\n<p>Along a step &theta;0 + &tau;v "
         "the line loss is a Taylor series in &tau; that converges for |&tau;| &lt; &rho;*, the "
         "modulus of the nearest complex zero (ghost) of the partition function; &rho;a = "
         "&pi;/&Delta;a &le; &rho;* is the fast bound the controller uses (r = &tau;/&rho;a &lt; 1 "
         "is a safe step).</p>\n";
  if (!r.radius.certified_available)
    out << "<p>This build has no Arb: the certified &rho;* and the Taylor coefficients are not "
           "available.</p>\n";
  for (const RadiusFigure& f : radius_figures(r)) figure(out, svg::render(f.plot), f.data, f.command);
  out << "<table><tr><th>n</th><th>rows</th><th>median &rho;*/&rho;a</th><th>max &rho;*/&rho;a</th>"
         "<th>all certified</th><th>slowest certification</th></tr>\n";
  for (const RadiusSummary& s : radius_summaries(r.radius))
    out << "<tr><td>" << s.n << "</td><td>" << s.rows << "</td><td>" << short_number(s.median_ratio)
        << "</td><td>" << short_number(s.max_ratio) << "</td><td>" << (s.all_certified ? "yes" : "no")
        << "</td><td>" << short_number(s.slowest_seconds) << " s</td></tr>\n";
  out << "</table>\n";
}

void write_hconsistency(std::ostream& out, const StabilityReport& r) {
  out << "<h2 id=\"hconsistency\">H-consistency bounds</h2>\n<p>The comp-sum losses' bound "
         "&Delta;C<sub>&tau;</sub> &ge; T<sub>&tau;</sub>(&Delta;C<sub>0-1</sub>) on exact "
         "conditional regrets (MPFR) of random (p, h) pairs "
         "(<code>proofs/hconsistency-bounds.md</code>). A point below its curve would be a "
         "violation.</p>\n<table><tr><th>&tau;</th><th>n</th><th>samples</th><th>violations</th>"
         "<th>min &Delta;C/T</th><th>command</th></tr>\n";
  for (const HconsistencyRun& h : r.hconsistency)
    out << "<tr><td>" << h.options.tau << "</td><td>" << h.options.classes << "</td><td>"
        << h.result.samples << "</td><td>" << h.result.violations << "</td><td>"
        << (h.result.min_ratio ? short_number(h.result.min_ratio->ratio()) : "-") << "</td><td><code>"
        << e(hconsistency_command(h.options)) << "</code></td></tr>\n";
  out << "</table>\n";
  for (const HconsistencyFigure& f : hconsistency_figures(r))
    figure(out, svg::render(f.plot), "<code>report.json</code> &rarr; <code>hconsistency</code>",
           f.command);
}

}  // namespace

void write_report_html(std::ostream& out, const StabilityReport& r) {
  const VerdictCounts c = count_verdicts(r.gate);
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<title>softcheck stability report</title>\n<style>"
      << kStyle << "</style></head><body>\n<h1>softcheck stability report</h1>\n<p>"
      << e(r.machine.cpu) << " &middot; " << e(r.machine.softcheck) << " &middot; suite "
      << name(r.options.suite) << ", seed " << r.options.seed << " &middot; " << e(r.machine.utc_time)
      << "</p>\n<p><b>" << c.pass << " of " << r.gate.kernels.size() << " kernels pass</b>, "
      << c.fail << " fail, " << c.expected_fail << " fail as expected"
      << (c.unexpected_pass ? ", " + std::to_string(c.unexpected_pass) + " pass unexpectedly" : "")
      << ".</p>\n<nav><a href=\"#verdicts\">Verdicts</a><a href=\"#violations\">Reproducers</a>"
         "<a href=\"#accuracy\">Accuracy</a><a href=\"#collapse\">Collapse</a>"
         "<a href=\"#radius\">Taylor radius</a><a href=\"#hconsistency\">H-consistency</a>"
         "<a href=\"#run\">Run</a></nav>\n";
  write_verdicts(out, r);
  write_reproducers(out, r);
  write_accuracy(out, r);
  write_collapse(out, r);
  write_radius(out, r);
  write_hconsistency(out, r);
  write_run_info(out, r);
  out << "<p>Raw data: <code>report.json</code>; summary: <code>report.md</code>. Regenerate: <code>"
      << e(r.options.command_line) << "</code></p>\n</body></html>\n";
}

}  // namespace softcheck::stability
