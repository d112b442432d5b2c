#include <catch2/catch.hpp>

#include "checks/gate.hpp"
#include "planted_bugs.hpp"
#include "test_seed.hpp"

using namespace softcheck;

namespace {

GateOptions quick_options() {
  GateOptions options;
  options.suite = Suite::quick;
  options.seed = softcheck::testing::seed();
  options.threads = 2;
  return options;
}

const KernelResult& only(const GateResult& result) { return result.kernels.front(); }

}  // namespace

TEST_CASE("every built-in kernel holds its default contract on the quick suite") {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  std::vector<const Kernel*> kernels;
  for (const Kernel& k : registry.all()) kernels.push_back(&k);
  const GateResult result = run_gate(kernels, ContractSet::builtin(), quick_options());
  for (const KernelResult& k : result.kernels) {
    INFO(k.kernel->name() << " verdict " << name(k.verdict));
    if (k.kernel->algorithm == "naive") {
      CHECK(k.verdict == Verdict::expected_fail);
      CHECK(k.checks.at(Check::accuracy).violations > 0);  // overflow is caught
    } else {
      CHECK(k.verdict == Verdict::pass);
    }
  }
  CHECK(result.ok());
}

TEST_CASE("the gate catches planted bugs, each in the check that names it") {
  using fixtures::Bug;
  const struct {
    Bug bug;
    Check check;
  } cases[] = {
      {Bug::abs_max, Check::accuracy},          {Bug::bf16_accumulator, Check::accuracy},
      {Bug::writes_padding, Check::bounds},     {Bug::drops_nan, Check::special},
      {Bug::cancelling_gradient, Check::accuracy}, {Bug::flushes_subnormals, Check::subnormal},
  };
  for (const auto& c : cases) {
    const Kernel kernel = fixtures::planted_kernel(c.bug);
    INFO(kernel.name());
    const GateResult result = run_gate({&kernel}, ContractSet::builtin(), quick_options());
    CHECK(only(result).verdict == Verdict::fail);
    CHECK(only(result).checks.at(c.check).violations > 0);
    CHECK_FALSE(only(result).reproducers.empty());
  }
}

TEST_CASE("a contract that allows flushing accepts the flushing kernel, nothing else changes") {
  const Kernel kernel = fixtures::planted_kernel(fixtures::Bug::flushes_subnormals);
  ContractSet contracts = ContractSet::builtin();
  contracts.add_rules(R"({"rules": [{"kernel": "fixture/*", "flush_subnormals": true}]})", "test");
  const GateResult result = run_gate({&kernel}, contracts, quick_options());
  CHECK(only(result).verdict == Verdict::pass);
}

TEST_CASE("an expected failure that passes is reported as an unexpected pass") {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  const auto kernels = registry.match("builtin/softmax/f64/online");
  REQUIRE(kernels.size() == 1);
  ContractSet contracts = ContractSet::builtin();
  contracts.add_rules(R"({"rules": [{"kernel": "*/online", "expect": "fail"}]})", "test");
  const GateResult result = run_gate(kernels, contracts, quick_options());
  CHECK(only(result).verdict == Verdict::unexpected_pass);
  CHECK_FALSE(result.ok());
}

TEST_CASE("gate results are reproducible from the seed") {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  const auto kernels = registry.match("builtin/*/f32/two-pass");
  const GateResult a = run_gate(kernels, ContractSet::builtin(), quick_options());
  const GateResult b = run_gate(kernels, ContractSet::builtin(), quick_options());
  REQUIRE(a.kernels.size() == b.kernels.size());
  for (std::size_t i = 0; i < a.kernels.size(); ++i)
    for (const auto& [check, stats] : a.kernels[i].checks)
      CHECK(stats.worst_error == b.kernels[i].checks.at(check).worst_error);
}
