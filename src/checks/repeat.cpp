// The run-twice probe (repeat.hpp).
#include "checks/repeat.hpp"

#include <string>

#include "checks/probe_findings.hpp"

namespace softcheck {

ProbeReport probe_repeat(const Kernel& kernel, const Batch& batch, const KernelBuffers& first) {
  ProbeReport report;
  if (batch.rows == 0) return report;
  KernelBuffers again(kernel.op, batch, first.input.stride);
  ++report.calls;
  if (const std::string failed = run_probe_call(kernel, again.call); !failed.empty())
    return with_crash(std::move(report), batch, "second call", failed);
  const bool has_loss = kernel.op.spec().has_loss();
  for (std::size_t r = 0; r < batch.rows; ++r) {
    ProbeFinding f = bitwise_row_finding(Check::deterministic, "second call", "out", batch,
                                         first.out, again.out, r,
                                         "out values differ from the first call");
    if (f.pass && has_loss)
      f = bitwise_row_finding(Check::deterministic, "second call", "loss", batch, first.loss,
                              again.loss, r, "loss values differ from the first call");
    report.findings.push_back(std::move(f));
  }
  return report;
}

}  // namespace softcheck
