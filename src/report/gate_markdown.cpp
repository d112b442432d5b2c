#include <iomanip>
#include <sstream>

#include "report/gate_report.hpp"

namespace softcheck {

// The results table as GitHub Markdown, with the command that produced it.
void write_gate_markdown(std::ostream& out, const GateResult& result, const RunInfo& info) {
  out << "Produced by `" << info.command << "` (softcheck " << info.version << ", suite "
      << name(result.suite) << ", seed " << result.seed << ", " << result.reference_elements
      << " reference elements, " << std::fixed << std::setprecision(1) << result.seconds
      << " s).\n\n";
  out << "| kernel |";
  for (Check c : kAllChecks) out << " " << name(c) << " |";
  out << " verdict | declared properties used |\n|---|";
  for (std::size_t i = 0; i < std::size(kAllChecks); ++i) out << "---|";
  out << "---|---|\n";
  for (const KernelResult& k : result.kernels) {
    out << "| `" << k.kernel->name() << "` |";
    for (Check c : kAllChecks) out << " " << table_cell(k, c) << " |";
    out << " " << name(k.verdict) << " | " << declared_summary(k) << " |\n";
  }
  out << "\nCells: worst error (accuracy in ulps of the exact result - for ops held to a bound "
         "from their conditioning, the backward ops, in units of that bound, at most 1 within "
         "it -, subnormal in units of the "
         "smallest subnormal, sum_to_one in eps; ranking, descent and risk_order: the error of "
         "the compared difference in units of the bound, at most 1 within the contract; bias: the "
         "mean signed error in ulps, positive away from zero, over the distinct exact values "
         "that need rounding of the family nearest its thresholds, docs/contracts.md; crash: 1 "
         "for a call that failed, over the zero-size calls and every batch; in_place: ulps "
         "between the in-place and the out-of-place result, '-' when the contract does not "
         "declare in_place; deterministic: ulps between two calls' results on the same batch, "
         "'-' without --run-twice), and xN violations (ranking, descent, in_place, "
         "deterministic: rows; risk_order: "
         "pairs of rows; crash: calls; bias: families). "
         "Verdict xfail: a "
         "kernel whose contract says it is expected to fail, and does.\n";
}

}  // namespace softcheck
