// Property: on random rows (specials included, RapidCheck-shrunk on failure), every non-naive
// built-in kernel's output (StableMax included) holds the default contract against the correctly rounded reference.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <string>

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

// The reference outputs of `op`: per element, and per row (logsumexp, the losses).
struct ExpectedOutputs {
  const std::vector<reference::Exact>* values = nullptr;
  const reference::Exact* scalar = nullptr;
};

ExpectedOutputs expected_outputs(Op op, const reference::RowReference& ref,
                                 const reference::StableMaxReference& st, std::size_t n) {
  if (op == Op::softmax) {
    return {&ref.softmax, nullptr};
  } else if (op == Op::log_softmax) {
    return {&ref.log_softmax, nullptr};
  } else if (op == Op::logsumexp) {
    return {nullptr, &ref.logsumexp};
  } else if (op == Op::cross_entropy) {
    return {&ref.ce_gradient, n ? &ref.ce_loss : nullptr};
  } else if (op == Op::stablemax) {
    return {&st.stablemax, nullptr};
  } else if (op == Op::log_stablemax) {
    return {&st.log_stablemax, nullptr};
  } else if (op == Op::stablemax_cross_entropy) {
    return {&st.gradient, n ? &st.loss : nullptr};
  } else if (op == Op::comp_sum) {
  } else if (op == Op::sigmoid_bce) {
  } else if (op == Op::temperature_cross_entropy) {
  } else if (op == Op::z_loss) {
  } else if (op == Op::sigmoid_normaliser) {
  } else if (op == Op::softplus_normaliser) {
  } else if (op == Op::temperature_softmax) {
    return {};  // parametrised losses: tests/unit/checks_loss_family_gate.cpp
  }
  return {};
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
  const auto references = reference_batch(batch, 1);
  const auto stablemax_references = stablemax_reference_batch(batch, 1);
  for (const Kernel& kernel : registry.all()) {
    if (kernel.format != batch.format || kernel.algorithm == "naive" ||
        (in_family(kernel.op, "loss") || in_family(kernel.op, "normaliser")))
      continue;
    const Contract contract = contracts.resolve(kernel.name());
    const std::size_t stride = batch.n + 2;
    const PackedBatch input = pack(batch, stride);
    PackedBatch out = make_output(batch.format, 1, batch.n, stride);
    PackedBatch loss = make_output(batch.format, 1, 1, 1);
    kernel.run({input.data(), out.data(), loss.data(), batch.targets.data(), 1, batch.n, stride});
    const ExpectedOutputs expected =
        expected_outputs(kernel.op, references[0], stablemax_references[0], batch.n);
    const RowFacts facts = row_facts(batch.values);
    if (expected.values) {
      for (std::size_t i = 0; i < batch.n; ++i) {
        const double got = packed_value(out, 0, i);
        const reference::Exact& e = (*expected.values)[i];
        require_pass(measure_element(got, e, batch.format, contract,
                                     element_context(facts, batch.values, i)),
                     kernel, "element " + std::to_string(i), got, e.rounded);
      }
    }
    if (expected.scalar) {
      const double got = packed_value(has_row_output(kernel.op) ? out : loss, 0, 0);
      require_pass(measure_element(got, *expected.scalar, batch.format, contract,
                                   row_output_context(facts, batch.n)),
                   kernel, "row output", got, expected.scalar->rounded);
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
