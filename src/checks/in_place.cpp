// The in-place probe (in_place.hpp).
#include "checks/in_place.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>

#include "kernels/kernel_buffers.hpp"

namespace softcheck {
namespace {

constexpr std::size_t kPadding = 3;  // as the gate's: elements after each row

// Runs the call; a failure's message, or empty when it completed.
std::string run(const Kernel& kernel, const KernelCall& call) {
  try {
    kernel.run(call);
  } catch (const KernelFailure& failure) {
    return failure.what();
  } catch (const std::exception& error) {
    return std::string("threw: ") + error.what();
  }
  return {};
}

}  // namespace

bool in_place_applies(const Kernel& kernel) {
  return kernel.op.spec().outputs == Outputs::per_element;
}

namespace {

// The report with a crash finding for the call that failed.
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

// Compares the in-place call's outputs with `expected` row by row.
ProbeReport compare(const Kernel& kernel, const Batch& batch, const PackedBatch& expected,
                    ProbeReport report) {
  const std::size_t stride = expected.stride;
  KernelBuffers aliased(kernel.op, batch, stride);
  aliased.call.out = aliased.input.data();
  ++report.calls;
  if (const std::string failed = run(kernel, aliased.call); !failed.empty())
    return with_crash(std::move(report), batch, "in place", failed);
  for (std::size_t r = 0; r < batch.rows; ++r) {
    const auto [differing, first] = compare_packed_row(expected, aliased.input, r);
    ProbeFinding finding;
    finding.check = Check::in_place;
    finding.call = "in place";
    finding.rows = batch.rows;
    finding.n = batch.n;
    finding.row = r;
    finding.element = first;
    finding.output = "out";
    finding.pass = differing == 0;
    if (differing > 0) {
      finding.got = packed_value(aliased.input, r, first);
      finding.expected = packed_value(expected, r, first);
      const double apart = std::fabs(finding.got - finding.expected);
      finding.error = std::isfinite(apart)
                          ? std::max(1.0, apart / ulp(finding.expected, batch.format))
                          : HUGE_VAL;
      finding.message = std::to_string(differing) + " of " + std::to_string(batch.n) +
                        " outputs differ from the out-of-place call";
    }
    report.findings.push_back(std::move(finding));
  }
  return report;
}

bool wanted(const Kernel& kernel, const Contract& contract, const Batch& batch) {
  return contract.in_place && in_place_applies(kernel) && batch.rows > 0 && batch.n > 0;
}

}  // namespace

ProbeReport probe_in_place(const Kernel& kernel, const Contract& contract, const Batch& batch,
                           std::size_t stride) {
  if (!wanted(kernel, contract, batch)) return {};
  KernelBuffers apart(kernel.op, batch, stride == 0 ? batch.n + kPadding : stride);
  ProbeReport report;
  ++report.calls;
  if (const std::string failed = run(kernel, apart.call); !failed.empty())
    return with_crash(std::move(report), batch, "out of place", failed);
  return compare(kernel, batch, apart.out, std::move(report));
}

ProbeReport probe_in_place(const Kernel& kernel, const Contract& contract, const Batch& batch,
                           const PackedBatch& out_of_place) {
  if (!wanted(kernel, contract, batch)) return {};
  if (out_of_place.rows != batch.rows || out_of_place.n != batch.n ||
      out_of_place.stride < batch.n || out_of_place.format != batch.format)
    throw std::invalid_argument("in-place probe: the out-of-place result is not the batch's");
  return compare(kernel, batch, out_of_place, {});
}

}  // namespace softcheck
