// The probes' shared pieces (probe_findings.hpp).
#include "checks/probe_findings.hpp"

#include <algorithm>
#include <cmath>
#include <exception>

#include "core/format.hpp"

namespace softcheck {

std::string run_probe_call(const Kernel& kernel, const KernelCall& call) {
  try {
    kernel.run(call);
  } catch (const KernelFailure& failure) {
    return failure.what();
  } catch (const std::exception& error) {
    return std::string("threw: ") + error.what();
  }
  return {};
}

ProbeReport with_crash(ProbeReport report, const Batch& batch, const char* call,
                       const std::string& message) {
  ProbeFinding& f = report.findings.emplace_back();
  f.check = Check::crash;
  f.call = call;
  f.rows = batch.rows;
  f.n = batch.n;
  f.output = "call";
  f.error = 1.0;
  f.message = message;
  return report;
}

ProbeFinding bitwise_row_finding(Check check, const char* call, const char* output,
                                 const Batch& batch, const PackedBatch& want,
                                 const PackedBatch& got, std::size_t r, const std::string& differ) {
  const RowDifference d = compare_packed_row(want, got, r);
  ProbeFinding f;
  f.check = check;
  f.call = call;
  f.rows = batch.rows;
  f.n = batch.n;
  f.row = r;
  f.element = d.first;
  f.output = output;
  f.pass = d.count == 0;
  if (d.count > 0) {
    f.got = packed_value(got, r, d.first);
    f.expected = packed_value(want, r, d.first);
    const double apart = std::fabs(f.got - f.expected);
    f.error = std::isfinite(apart) ? std::max(1.0, apart / ulp(f.expected, batch.format)) : HUGE_VAL;
    f.message = std::to_string(d.count) + " of " + std::to_string(want.n) + " " + differ;
  }
  return f;
}

}  // namespace softcheck
