// Property: on random rows (specials included, RapidCheck-shrunk on failure), every non-naive
// built-in kernel's output (StableMax included) holds the default contract against the correctly rounded reference.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <string>

#include "checks/batch_references.hpp"
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

void require_pass(const Measurement& m, const Kernel& kernel, const std::string& where,
                  double got, double expected) {
  if (m.pass) return;
  RC_LOG() << kernel.name() << " " << where << " got " << got << " expected " << expected
           << " error " << m.error << " allowed " << m.allowed << "\n";
  RC_FAIL("contract violated");
}

// Runs the gate's checker on a one-row batch by wrapping it as a family-free gate call.
void check_kernels_on(const Batch& batch) {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  const ContractSet contracts = ContractSet::builtin();
  std::vector<const Kernel*> kernels;
  for (const Kernel& kernel : registry.all())
    if (kernel.format == batch.format && kernel.algorithm != "naive" &&
        !in_family(kernel.op, "loss") && !in_family(kernel.op, "normaliser") &&
        !in_family(kernel.op, "backward"))
      kernels.push_back(&kernel);  // the loss family: tests/unit/checks_loss_family_gate.cpp;
                                   // backward ops (inputs y, dy): checks_backward_gate.cpp
  const BatchReferences references(batch, kernels, 1);
  for (const Kernel* k : kernels) {
    const Kernel& kernel = *k;
    const Contract contract = contracts.resolve(kernel.name());
    const std::size_t stride = batch.n + 2;
    const PackedBatch input = pack(batch, stride);
    PackedBatch out = make_output(batch.format, 1, batch.n, stride);
    PackedBatch loss = make_output(batch.format, 1, 1, 1);
    kernel.run({input.data(), out.data(), loss.data(), batch.targets.data(), 1, batch.n, stride});
    const reference::OpRow& expected = references.of(kernel)[0];
    const OpSpec& spec = kernel.op.spec();
    const RowFacts facts = row_facts(batch.values);
    if (spec.has_element_output()) {
      for (std::size_t i = 0; i < batch.n; ++i) {
        const double got = packed_value(out, 0, i);
        const reference::Exact& e = expected.elements[i];
        require_pass(measure_element(got, e, batch.format, contract,
                                     element_context(facts, batch.values, i)),
                     kernel, "element " + std::to_string(i), got, e.rounded);
      }
    }
    // The per-row output: logsumexp's value always, a loss when the row is not empty.
    if (spec.has_loss() ? batch.n > 0 : !spec.has_element_output()) {
      const double got = packed_value(spec.has_loss() ? loss : out, 0, 0);
      require_pass(measure_element(got, expected.value, batch.format, contract,
                                   row_output_context(facts, batch.n)),
                   kernel, "row output", got, expected.value.rounded);
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
