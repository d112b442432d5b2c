// The gate on the loss-family kernels: every built-in comp-sum, BCE, temperature
// cross-entropy and Z-loss kernel holds its contract on the quick suite, kernels with planted
// bugs (the comp-sum gradient without the s_y^(tau - 1) factor; a Z-loss gradient that
// forgets the mean's share, or computes 1 + z_c z_j as written, in f32) fail it, and the new
// ops stay out of the plugin ABI, the vector files and libtorch's kernels.
#include <algorithm>
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "checks/collapse_theory.hpp"
#include "checks/gate.hpp"
#include "gate_test_support.hpp"
#include "test_seed.hpp"

using namespace softcheck;

namespace {

// A Z-loss kernel written from the textbook gradient in working precision T:
// grad_j = -s (delta_cj - mean_share - z_c z_j / n) / std with mean_share = 1/n (correct
// formula) or 0 (the planted bug that forgets the mean depends on x_j).
template <class T>
KernelFn textbook_z_loss(double a, double b, T mean_share_scale) {
  return [=](const KernelCall& call) {
    const auto* x = static_cast<const T*>(call.x);
    auto* out = static_cast<T*>(call.out);
    auto* loss = static_cast<T*>(call.loss);
    for (std::size_t r = 0; r < call.rows; ++r) {
      const T* row = x + r * call.stride;
      const std::size_t n = call.n, c = static_cast<std::size_t>(call.target[r]);
      T mean = 0, var = 0;
      for (std::size_t k = 0; k < n; ++k) mean += row[k];
      mean /= T(n);
      for (std::size_t k = 0; k < n; ++k) var += (row[k] - mean) * (row[k] - mean);
      const T sd = std::sqrt(var / T(n));
      const T z_c = (row[c] - mean) / sd;
      const T t = T(a) * (T(b) - z_c);
      const T s = 1 / (1 + std::exp(-t));
      loss[r] = std::log1p(std::exp(t)) / T(a);
      for (std::size_t j = 0; j < n; ++j) {
        const T z_j = (row[j] - mean) / sd;
        const T delta = j == c ? T(1) : T(0);
        out[r * call.stride + j] = -s * (delta - mean_share_scale / T(n) - z_c * z_j / T(n)) / sd;
      }
    }
  };
}

}  // namespace

TEST_CASE("the built-in loss-family kernels hold their contracts on every family") {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  // The ops come from the op list (kernels/kernel.hpp): the loss family minus the normalisers.
  const auto is_loss = [](Op op) { return (in_family(op, "loss") || in_family(op, "normaliser")) && !in_family(op, "normaliser"); };
  std::vector<const Kernel*> kernels;
  for (const Kernel* k : registry.match("builtin/*"))
    if (is_loss(k->op)) kernels.push_back(k);
  // Not an empty search: every such op has built-in kernels in f32 and f64.
  for (Op op : all_ops())
    if (is_loss(op))
      for (Format format : {Format::f32, Format::f64}) {
        INFO(name(op) << " in " << name(format));
        REQUIRE(std::any_of(kernels.begin(), kernels.end(), [&](const Kernel* k) {
          return k->op == op && k->format == format;
        }));
      }
  const GateResult result =
      run_gate(kernels, ContractSet::builtin(), testing::quick_gate_options());
  testing::check_every_kernel_passes(result);
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

TEST_CASE("the gate catches Z-loss gradients that forget the mean's share or cancel in f32") {
  const Kernel& good = testing::builtin_kernel("builtin/z_loss/f32/a1-b1");
  Kernel no_mean{Op::z_loss, Format::f32, "planted-no-mean", "fixture",
                 textbook_z_loss<float>(1.0, 1.0, 0.0f), good.parameters};
  Kernel textbook{Op::z_loss, Format::f32, "planted-textbook", "fixture",
                  textbook_z_loss<float>(1.0, 1.0, 1.0f), good.parameters};
  const GateResult result =
      run_gate({&no_mean, &textbook}, ContractSet::builtin(), testing::quick_gate_options());
  for (const KernelResult& k : result.kernels) {
    INFO(k.kernel->name());
    CHECK(k.verdict == Verdict::fail);
    CHECK(k.checks.at(Check::accuracy).violations > 0);
  }
  // Forgetting the mean's share also breaks descent on some rows.
  CHECK(result.kernels.front().checks.at(Check::descent).violations > 0);
}

TEST_CASE("the Z-loss contract bounds cancelling gradient entries by the row's largest") {
  const Contract c = ContractSet::builtin().resolve("builtin/z_loss/f64/a1-b1");
  CHECK(c.abs_ulp_of_output_norm == 2.0);
  CHECK(c.max_ulp == 8.0);
  CHECK(testing::builtin_kernel("builtin/z_loss/f64/a0.1-b10").parameters.b == 10.0);
  // Without the normwise allowance the f32 kernel still passes (its double-word sums are
  // exact there: cancellations, including the exact zeros of n = 2 and two-valued rows,
  // come out exactly); f64's cancelling entries need it.
  ContractSet strict = ContractSet::builtin();
  strict.add_rules(R"({"rules": [{"kernel": "*/z_loss/*", "abs_ulp_of_output_norm": 0}]})", "test");
  const Kernel& f32 = testing::builtin_kernel("builtin/z_loss/f32/a1-b1");
  const GateResult result = run_gate({&f32}, strict, testing::quick_gate_options());
  CHECK(result.kernels.front().verdict == Verdict::pass);
}

TEST_CASE("the loss-family ops carry their parameters and stay out of the softmax family") {
  CHECK(testing::builtin_kernel("builtin/comp_sum/f32/tau1.5").parameters.tau == 1.5);
  CHECK(
      testing::builtin_kernel("builtin/temperature_cross_entropy/f64/T10").parameters.temperature ==
      10.0);
  for (Op op : {Op::comp_sum, Op::sigmoid_bce, Op::temperature_cross_entropy, Op::z_loss}) {
    CHECK((in_family(op, "loss") || in_family(op, "normaliser")));
    CHECK(has_loss(op));
    CHECK_FALSE(in_family(op, "softmax"));
    CHECK_FALSE((collapse::collapse_loss(op) != nullptr));
  }
  CHECK(Registry::instance().match("builtin/comp_sum/*/two-pass").empty());  // no softmax algorithm
}
