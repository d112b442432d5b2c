// report.md: the verdict table, the first reproducer of each failing kernel, and short
// tables for collapse, the Taylor radius and the H-consistency checks; the figures are in
// report.html.
#include <cmath>
#include <cstdio>

#include "report/collapse_report.hpp"
#include "report/gate_report.hpp"
#include "stability_report/figures.hpp"
#include "stability_report/report_common.hpp"
#include "stability_report/report_writers.hpp"

namespace softcheck::stability {

void write_report_markdown(std::ostream& out, const StabilityReport& r) {
  const VerdictCounts c = count_verdicts(r.gate);
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f s", r.seconds);
  out << "# softcheck stability report\n\n"
      << "Produced by `" << r.options.command_line << "` (softcheck " << r.machine.softcheck
      << ", suite " << name(r.options.suite) << ", seed " << r.options.seed << ", " << seconds
      << ") on " << r.machine.cpu << " (" << r.machine.cores << " hardware threads), "
      << r.machine.os << ", " << r.machine.utc_time << ". Figures: `report.html`; data: `report.json`.\n\n"
      << "**" << c.pass << " of " << r.gate.kernels.size() << " kernels pass**, " << c.fail << " fail, "
      << c.expected_fail << " fail as expected"
      << (c.unexpected_pass ? ", " + std::to_string(c.unexpected_pass) + " pass unexpectedly" : "")
      << ".\n\nLibraries:";
  for (const auto& [package, version] : r.machine.libraries) out << " " << package << " " << version << ";";
  out << "\n\n## Verdicts\n\n| kernel | verdict | violations | declared properties used | worst accuracy (ulps) |\n"
         "|---|---|---|---|---|\n";
  for (const KernelResult& k : r.gate.kernels)
    out << "| `" << k.kernel->name() << "` | " << name(k.verdict) << " | " << k.violations() << " | "
        << declared_summary(k) << " | " << short_number(worst_accuracy(k)) << " |\n";
  out << "\n## First reproducer of each failing kernel\n\n";
  bool any = false;
  for (const KernelResult& k : r.gate.kernels) {
    if (k.verdict != Verdict::fail || k.reproducers.empty()) continue;
    any = true;
    const Violation& v = k.reproducers.front();
    out << "- `" << k.kernel->name() << "`: " << name(v.check) << ", family " << v.family << " batch "
        << v.batch << " row " << v.row << " " << v.output << "[" << v.element << "]: got "
        << decimal_and_hex(v.got) << ", expected " << decimal_and_hex(v.expected) << " (`"
        << gate_replay(r.gate, v) << "`)\n";
  }
  if (!any) out << "None.\n";
  out << "\n## Softmax collapse (loss = 0 from gap g)\n\n";
  if (r.collapse.empty()) {
    out << "No cross-entropy kernel selected.\n";
  } else {
    out << "| kernel | n | loss=0 from | grad=0 from | plain sum | reference = 0 |\n|---|---|---|---|---|---|\n";
    for (const collapse::Result& x : r.collapse)
      out << "| `" << x.kernel->name() << "` | " << x.n << " | " << gap_text(x.loss.from) << " | "
          << gap_text(x.gradient.from) << " | " << short_number(x.theory.plain_sum) << " | "
          << gap_text(x.reference_loss_zero) << " |\n";
  }
  out << "\n## Taylor radius (rho* / rho_a on seeded rows)\n\n| n | rows | median | max | all certified |\n"
         "|---|---|---|---|---|\n";
  for (const RadiusSummary& s : radius_summaries(r.radius))
    out << "| " << s.n << " | " << s.rows << " | " << short_number(s.median_ratio) << " | "
        << short_number(s.max_ratio) << " | " << (s.all_certified ? "yes" : "no") << " |\n";
  out << "\n## H-consistency bounds\n\n| tau | n | samples | violations | min dC/T | command |\n"
         "|---|---|---|---|---|---|\n";
  for (const HconsistencyRun& h : r.hconsistency)
    out << "| " << h.options.tau << " | " << h.options.classes << " | " << h.result.samples << " | "
        << h.result.violations << " | "
        << (h.result.min_ratio ? short_number(h.result.min_ratio->ratio()) : "-") << " | `"
        << hconsistency_command(h.options) << "` |\n";
  out << "\n## Stages\n\n";
  for (const auto& [stage, s] : r.stage_seconds) {
    std::snprintf(seconds, sizeof seconds, "%.1f s", s);
    out << "- " << stage << ": " << seconds << "\n";
  }
}

}  // namespace softcheck::stability
