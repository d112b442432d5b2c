// The gate on the loss-family kernels: every built-in comp-sum, BCE and temperature
// cross-entropy kernel holds its contract on the quick suite, a kernel with a planted bug
// (the comp-sum gradient without the s_y^(tau - 1) factor) fails it, and the new ops stay
// out of the plugin ABI, the vector files and libtorch's kernels.
#include <catch2/catch.hpp>

#include "checks/gate.hpp"
#include "gate_test_support.hpp"
#include "test_seed.hpp"

using namespace softcheck;

namespace {}  // namespace

TEST_CASE("the built-in loss-family kernels hold their contracts on every family") {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  std::vector<const Kernel*> kernels;
  for (const char* glob :
       {"builtin/comp_sum/*", "builtin/sigmoid_bce/*", "builtin/temperature_cross_entropy/*"})
    for (const Kernel* k : registry.match(glob)) kernels.push_back(k);
  REQUIRE(kernels.size() == 20);
  const GateResult result =
      run_gate(kernels, ContractSet::builtin(), testing::quick_gate_options());
  for (const KernelResult& k : result.kernels) {
    INFO(k.kernel->name() << " verdict " << name(k.verdict));
    CHECK(k.verdict == Verdict::pass);
    CHECK(k.checks.at(Check::accuracy).elements > 0);
    CHECK(k.checks.at(Check::special).elements > 0);
  }
  CHECK(result.ok());
}

TEST_CASE("the gate catches a comp-sum kernel that drops s_y^(tau - 1) from the gradient") {
  const Kernel& good = testing::builtin_kernel("builtin/comp_sum/f64/tau0.5");
  // The planted bug: the cross-entropy kernel's outputs (tau = 1) under tau = 0.5's name and
  // parameters: the loss and gradient lack the (1 + u)^(1 - tau) shaping.
  const Kernel& ce = testing::builtin_kernel("builtin/comp_sum/f64/tau1");
  Kernel planted{Op::comp_sum, Format::f64, "planted-tau0.5", "fixture", ce.run, good.parameters};
  const GateResult result =
      run_gate({&planted}, ContractSet::builtin(), testing::quick_gate_options());
  const KernelResult& k = result.kernels.front();
  CHECK(k.verdict == Verdict::fail);
  CHECK(k.checks.at(Check::accuracy).violations > 0);
  CHECK_FALSE(k.reproducers.empty());
}

TEST_CASE("the loss-family ops carry their parameters and stay out of the softmax family") {
  CHECK(testing::builtin_kernel("builtin/comp_sum/f32/tau1.5").parameters.tau == 1.5);
  CHECK(
      testing::builtin_kernel("builtin/temperature_cross_entropy/f64/T10").parameters.temperature ==
      10.0);
  for (Op op : {Op::comp_sum, Op::sigmoid_bce, Op::temperature_cross_entropy}) {
    CHECK(is_loss_family(op));
    CHECK(has_loss(op));
    CHECK_FALSE(is_softmax_family(op));
    CHECK_FALSE(has_collapse_loss(op));
  }
  CHECK(Registry::instance().match("builtin/comp_sum/*/two-pass").empty());  // no softmax algorithm
}
