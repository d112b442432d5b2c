#include "stability_report/accuracy_scale.hpp"

#include <algorithm>
#include <cmath>

#include "checks/batch_references.hpp"
#include "checks/element_check.hpp"
#include "core/batch.hpp"
#include "kernels/kernel_buffers.hpp"
#include "core/rng.hpp"

namespace softcheck::stability {
namespace {

// The exact values and the kernel's outputs of one row, paired: vector outputs then the
// scalar (logsumexp, or a loss).
struct RowOutputs {
  std::vector<const reference::Exact*> exact;
  std::vector<double> got;
  std::vector<bool> scalar;
};

// The reference vector output and scalar of `kernel` on row r (null when it has none): the
// per-element outputs, then the per-row value or the loss.
std::pair<const std::vector<reference::Exact>*, const reference::Exact*> expected_of(
    const Kernel& kernel, const BatchReferences& refs, std::size_t r) {
  const reference::OpRow& row = refs.of(kernel)[r];
  const OpSpec& spec = kernel.op.spec();
  return {spec.has_element_output() ? &row.elements : nullptr,
          spec.has_loss() || !spec.has_element_output() ? &row.value : nullptr};
}

ScalePoint measure_kernel(const Kernel& kernel, const Contract& contract, const Batch& batch,
                          const BatchReferences& refs, double scale) {
  ScalePoint point;
  point.scale = scale;
  KernelBuffers buffers(kernel.op, batch, batch.n);
  try {
    kernel.run(buffers.call);
  } catch (const KernelFailure& failure) {
    point.failure = failure.what();
    point.worst_ulps = point.median_ulps = NAN;
    return point;
  }
  const PackedBatch& out = buffers.out;
  const PackedBatch& loss = buffers.loss;
  const bool row_output = !kernel.op.spec().has_element_output();
  std::vector<double> errors;
  const auto take = [&](double got, const reference::Exact& exact, const ElementContext& context) {
    const Measurement m = measure_element(got, exact, batch.format, contract, context);
    if (m.check != Check::accuracy) return;
    errors.push_back(m.error);
    if (!m.pass) ++point.beyond_contract;
  };
  for (std::size_t r = 0; r < batch.rows; ++r) {
    const auto row = batch.row(r);
    const RowFacts facts = row_facts(row);
    const auto [vector, scalar] = expected_of(kernel, refs, r);
    if (vector != nullptr && !row_output) {
      const double norm = output_norm(*vector);
      for (std::size_t i = 0; i < batch.n; ++i)
        take(packed_value(out, r, i), (*vector)[i], element_context(facts, row, i, norm));
    }
    if (scalar != nullptr)
      take(packed_value(row_output ? out : loss, r, 0), *scalar,
           row_output_context(facts, batch.n));
  }
  point.elements = errors.size();
  if (errors.empty()) return point;
  point.worst_ulps = *std::max_element(errors.begin(), errors.end());
  const auto middle = errors.begin() + static_cast<std::ptrdiff_t>(errors.size() / 2);
  std::nth_element(errors.begin(), middle, errors.end());
  point.median_ulps = *middle;
  return point;
}

}  // namespace

std::vector<double> default_scales(Suite suite) {
  const double step = suite == Suite::quick ? 2 : suite == Suite::deep ? 0.5 : 1;
  std::vector<double> scales;
  for (double k = -4; k <= 12 + 1e-9; k += step) scales.push_back(std::exp2(k));
  return scales;
}

AccuracyOptions accuracy_options(Suite suite, std::uint64_t seed, unsigned threads) {
  AccuracyOptions options;
  options.scales = default_scales(suite);
  options.rows = suite == Suite::quick ? 8 : suite == Suite::deep ? 128 : 32;
  options.seed = seed;
  options.threads = threads;
  return options;
}

Batch scale_batch(Format format, double scale, std::size_t scale_index,
                  const AccuracyOptions& options) {
  Batch batch;
  batch.format = format;
  batch.rows = options.rows;
  batch.n = options.n;
  Rng rng(derive_seed(options.seed, 0x5ca1e000 + scale_index));
  const double limit = max_finite(format);
  batch.values.resize(batch.rows * batch.n);
  for (double& v : batch.values)
    v = round_to_format(std::clamp(scale * rng.normal(), -limit, limit), format);
  batch.targets.resize(batch.rows);
  for (auto& t : batch.targets) t = static_cast<std::int64_t>(rng.below(batch.n));
  return batch;
}

std::vector<AccuracyCurve> measure_accuracy(const std::vector<const Kernel*>& kernels,
                                            const ContractSet& contracts,
                                            const AccuracyOptions& options) {
  std::vector<AccuracyCurve> curves;
  for (const Kernel* k : kernels) curves.push_back({k, {}});
  std::size_t formats = 0;
  for (Format format : kAllFormats)
    formats += std::any_of(kernels.begin(), kernels.end(), [&](const Kernel* k) { return k->format == format; });
  const std::size_t total = formats * options.scales.size();
  std::size_t done = 0;
  for (Format format : kAllFormats) {
    std::vector<const Kernel*> of_format;
    for (const Kernel* k : kernels)
      if (k->format == format) of_format.push_back(k);
    if (of_format.empty()) continue;
    for (std::size_t s = 0; s < options.scales.size(); ++s) {
      if (options.progress)
        options.progress(done, total, "accuracy: " + std::string(name(format)) + " sigma " +
                                          std::to_string(options.scales[s]));
      Batch batch = scale_batch(format, options.scales[s], s, options);
      for (const Kernel* k : of_format) add_op_inputs(batch, k->op, options.seed, s);
      const BatchReferences refs(batch, of_format, options.threads);
      for (AccuracyCurve& curve : curves)
        if (curve.kernel->format == format)
          curve.points.push_back(measure_kernel(*curve.kernel,
                                                contracts.resolve(curve.kernel->name()), batch,
                                                refs, options.scales[s]));
      ++done;
    }
  }
  if (options.progress) options.progress(total, total, "accuracy: done");
  return curves;
}

}  // namespace softcheck::stability
