// Property: on random rows (specials included, RapidCheck-shrunk on failure), every non-naive
// built-in kernel's output holds the default contract against the correctly rounded reference.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include "checks/batch_reference.hpp"
#include "checks/gate.hpp"
#include "core/batch.hpp"
#include "reference_generators.hpp"

using namespace softcheck;

namespace {

Batch one_row(Format format, const std::vector<double>& values, std::int64_t target) {
  Batch batch;
  batch.format = format;
  batch.rows = 1;
  batch.n = values.size();
  batch.values = values;
  batch.targets = {target};
  return batch;
}

// Runs the gate's checker on a one-row batch by wrapping it as a family-free gate call.
void check_kernels_on(const Batch& batch) {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  const ContractSet contracts = ContractSet::builtin();
  const auto references = reference_batch(batch, 1);
  for (const Kernel& kernel : registry.all()) {
    if (kernel.format != batch.format || kernel.algorithm == "naive") continue;
    const Contract contract = contracts.resolve(kernel.name());
    const std::size_t stride = batch.n + 2;
    const PackedBatch input = pack(batch, stride);
    PackedBatch out = make_output(batch.format, 1, batch.n, stride);
    PackedBatch loss = make_output(batch.format, 1, 1, 1);
    kernel.run({input.data(), out.data(), loss.data(), batch.targets.data(), 1, batch.n, stride});
    const auto& ref = references[0];
    const std::vector<reference::Exact>* expected = nullptr;
    switch (kernel.op) {
      case Op::softmax: expected = &ref.softmax; break;
      case Op::log_softmax: expected = &ref.log_softmax; break;
      case Op::cross_entropy: expected = &ref.ce_gradient; break;
      case Op::logsumexp: break;
    }
    const RowFacts facts = row_facts(batch.values);
    if (expected) {
      for (std::size_t i = 0; i < batch.n; ++i) {
        const double got = packed_value(out, 0, i);
        const Measurement m = measure_element(got, (*expected)[i], batch.format, contract,
                                              element_context(facts, batch.values, i));
        if (!m.pass) {
          RC_LOG() << kernel.name() << " element " << i << " got " << got << " expected "
                   << (*expected)[i].rounded << " error " << m.error << " allowed " << m.allowed
                   << "\n";
          RC_FAIL("contract violated");
        }
      }
    }
    const bool scalar = kernel.op == Op::logsumexp || (kernel.op == Op::cross_entropy && batch.n);
    if (scalar) {
      const auto& e = kernel.op == Op::logsumexp ? ref.logsumexp : ref.ce_loss;
      const double got = packed_value(kernel.op == Op::logsumexp ? out : loss, 0, 0);
      const Measurement m = measure_element(got, e, batch.format, contract,
                                            row_output_context(facts, batch.n));
      if (!m.pass) {
        RC_LOG() << kernel.name() << " row output got " << got << " expected " << e.rounded
                 << " error " << m.error << "\n";
        RC_FAIL("contract violated");
      }
    }
  }
}

}  // namespace

TEST_CASE("built-in kernels hold their contracts on random rows with specials") {
  rc::prop("rows of any representable values", [] {
    const Format format = *softcheck::testing::any_format();
    const auto values = *rc::gen::container<std::vector<double>>(
        softcheck::testing::representable(format));
    const auto target = values.empty() ? 0 : *rc::gen::inRange<std::int64_t>(0, values.size());
    check_kernels_on(one_row(format, values, target));
  });
  rc::prop("rows of moderate logits", [] {
    const Format format = *softcheck::testing::any_format();
    const auto values = *rc::gen::nonEmpty(rc::gen::container<std::vector<double>>(
        softcheck::testing::moderate(format)));
    const auto target = *rc::gen::inRange<std::int64_t>(0, values.size());
    check_kernels_on(one_row(format, values, target));
  });
}
