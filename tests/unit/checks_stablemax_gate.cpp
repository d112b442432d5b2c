// The gate on the StableMax kernels: every built-in StableMax kernel holds its default
// contract on every family, a kernel with a planted bug fails it, and a gate of softmax
// kernels computes no StableMax references (and the other way round).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "checks/gate.hpp"
#include "gate_test_support.hpp"
#include "planted_stablemax.hpp"
#include "test_seed.hpp"

using namespace softcheck;

namespace {}  // namespace

TEST_CASE("the built-in StableMax kernels hold their contracts on every family") {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  const auto kernels = registry.match("builtin/*stablemax*");
  // Not an empty search: every StableMax op of the op list (kernels/kernel.hpp) has built-in
  // kernels in f32 and f64.
  for (Op op : all_ops())
    if (in_family(op, "stablemax"))
      for (Format format : {Format::f32, Format::f64}) {
        INFO(name(op) << " in " << name(format));
        REQUIRE(std::any_of(kernels.begin(), kernels.end(), [&](const Kernel* k) {
          return k->op == op && k->format == format;
        }));
      }
  const GateResult result =
      run_gate(kernels, ContractSet::builtin(), testing::quick_gate_options());
  testing::check_every_kernel_passes(result);
  for (const KernelResult& k : result.kernels)
    if (k.kernel->op == Op::stablemax) CHECK(k.checks.at(Check::sum_to_one).elements > 0);
  CHECK(result.ok());
}

TEST_CASE("the gate catches a StableMax kernel with s(x) = 1/(1 - x) for every x") {
  const Kernel kernel = fixtures::planted_stablemax_kernel();
  const GateResult result =
      run_gate({&kernel}, ContractSet::builtin(), testing::quick_gate_options());
  const KernelResult& k = result.kernels.front();
  CHECK(k.verdict == Verdict::fail);
  CHECK(k.checks.at(Check::accuracy).violations > 0);
  CHECK_FALSE(k.reproducers.empty());
}

TEST_CASE("the StableMax contract is its own: no exp gap term, per-op allowances") {
  const ContractSet contracts = ContractSet::builtin();
  for (const char* kernel : {"builtin/stablemax/f32/two-pass", "builtin/log_stablemax/f64/two-pass",
                             "builtin/stablemax_cross_entropy/f32/two-pass"}) {
    INFO(kernel);
    const Contract c = contracts.resolve(kernel);
    CHECK(c.ulp_per_gap == 0);
    CHECK(c.ulp_per_element >= 1);
    CHECK_FALSE(c.expect_fail);
  }
  // The softmax ops keep theirs ("*/stablemax/*" is not "*/log_stablemax/*" or "*/softmax/*").
  CHECK(contracts.resolve("builtin/softmax/f32/two-pass").ulp_per_gap == 1);
}

TEST_CASE("without a gap term, an infinite gap (logits near +-max) leaves the allowance finite") {
  Contract contract;
  contract.max_ulp = 6;
  contract.ulp_per_gap = 0;
  contract.ulp_per_element = 1;
  const ElementContext context{HUGE_VAL, 3, 1e308, false};
  CHECK(allowed_ulps(contract, context) == 8);
}
