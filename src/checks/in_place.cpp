// The in-place probe (in_place.hpp).
#include "checks/in_place.hpp"

#include <stdexcept>
#include <string>

#include "checks/probe_findings.hpp"
#include "kernels/kernel_buffers.hpp"

namespace softcheck {
namespace {

}  // namespace

bool in_place_applies(const Kernel& kernel) {
  return kernel.op.spec().outputs == Outputs::per_element;
}

namespace {

// Compares the in-place call's outputs with `expected` row by row.
ProbeReport compare(const Kernel& kernel, const Batch& batch, const PackedBatch& expected,
                    ProbeReport report) {
  const std::size_t stride = expected.stride;
  KernelBuffers aliased(kernel.op, batch, stride);
  aliased.call.out = aliased.input.data();
  ++report.calls;
  if (const std::string failed = run_probe_call(kernel, aliased.call); !failed.empty())
    return with_crash(std::move(report), batch, "in place", failed);
  for (std::size_t r = 0; r < batch.rows; ++r)
    report.findings.push_back(bitwise_row_finding(Check::in_place, "in place", "out", batch,
                                                  expected, aliased.input, r,
                                                  "outputs differ from the out-of-place call"));
  return report;
}

bool wanted(const Kernel& kernel, const Contract& contract, const Batch& batch) {
  return contract.in_place && in_place_applies(kernel) && batch.rows > 0 && batch.n > 0;
}

}  // namespace

ProbeReport probe_in_place(const Kernel& kernel, const Contract& contract, const Batch& batch,
                           std::size_t stride) {
  if (!wanted(kernel, contract, batch)) return {};
  KernelBuffers apart(kernel.op, batch, stride == 0 ? batch.n + kRowPadding : stride);
  ProbeReport report;
  ++report.calls;
  if (const std::string failed = run_probe_call(kernel, apart.call); !failed.empty())
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
