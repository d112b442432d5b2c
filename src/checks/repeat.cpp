// The run-twice probe (repeat.hpp).
#include "checks/repeat.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <string>

#include "core/batch.hpp"
#include "core/format.hpp"

namespace softcheck {
namespace {

ProbeFinding finding_for(const Batch& batch, std::size_t r) {
  ProbeFinding f;
  f.check = Check::deterministic;
  f.call = "second call";
  f.rows = batch.rows;
  f.n = batch.n;
  f.row = r;
  f.pass = true;
  return f;
}

// Fills f's failure from the first differing output of `name` in row r.
void describe(ProbeFinding& f, const char* name, const PackedBatch& want, const PackedBatch& got,
              std::size_t r, RowDifference d, Format format) {
  f.pass = false;
  f.output = name;
  f.element = d.first;
  f.got = packed_value(got, r, d.first);
  f.expected = packed_value(want, r, d.first);
  const double apart = std::fabs(f.got - f.expected);
  f.error = std::isfinite(apart) ? std::max(1.0, apart / ulp(f.expected, format)) : HUGE_VAL;
  f.message = std::to_string(d.count) + " of " + std::to_string(want.n) + " " + name +
              " values differ from the first call";
}

}  // namespace

ProbeReport probe_repeat(const Kernel& kernel, const Batch& batch, const KernelBuffers& first) {
  ProbeReport report;
  if (batch.rows == 0) return report;
  KernelBuffers again(kernel.op, batch, first.input.stride);
  ++report.calls;
  try {
    kernel.run(again.call);
  } catch (const std::exception& error) {
    ProbeFinding& f = report.findings.emplace_back(finding_for(batch, 0));
    f.check = Check::crash;
    f.pass = false;
    f.output = "call";
    f.error = 1.0;
    f.message = std::string("second call: ") + error.what();
    return report;
  }
  const bool has_loss = kernel.op.spec().has_loss();
  for (std::size_t r = 0; r < batch.rows; ++r) {
    ProbeFinding f = finding_for(batch, r);
    if (const RowDifference d = compare_packed_row(first.out, again.out, r); d.count > 0) {
      describe(f, "out", first.out, again.out, r, d, batch.format);
    } else if (has_loss) {
      if (const RowDifference l = compare_packed_row(first.loss, again.loss, r); l.count > 0)
        describe(f, "loss", first.loss, again.loss, r, l, batch.format);
    }
    report.findings.push_back(std::move(f));
  }
  return report;
}

}  // namespace softcheck
