// The gate on the softmax backward kernels (kernels/backward.hpp): every built-in one holds
// the backward contract (checks/backward_contract.hpp) on the quick and default suites, and
// the two planted bugs of proofs/backward-contract.md (fixtures/planted_backward.hpp) fail it
// on accuracy. Prints each kernel's worst error in units of the bound, and each planted bug's
// violations and the families they come from.
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "checks/gate.hpp"
#include "gate_test_support.hpp"
#include "planted_backward.hpp"

using namespace softcheck;

namespace {

std::vector<const Kernel*> backward_kernels() {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  std::vector<const Kernel*> kernels;
  for (const Kernel& k : registry.all())
    if (in_family(k.op, "backward")) kernels.push_back(&k);
  return kernels;
}

GateOptions options_for(Suite suite) {
  GateOptions options = testing::quick_gate_options();
  options.suite = suite;
  return options;
}

// Violations per family of one check (every violation kept: reproducers_per_check is huge).
std::map<std::string, std::size_t> families_of(const KernelResult& k, Check check) {
  std::map<std::string, std::size_t> families;
  for (const Violation& v : k.reproducers)
    if (v.check == check) ++families[v.family];
  return families;
}

std::string describe(const std::map<std::string, std::size_t>& families) {
  std::string text;
  for (const auto& [family, count] : families) text += family + " " + std::to_string(count) + "; ";
  return text;
}

}  // namespace

TEST_CASE("every built-in backward kernel holds its contract on the quick and default suites") {
  const std::vector<const Kernel*> kernels = backward_kernels();
  REQUIRE(kernels.size() == 16);
  for (Suite suite : {Suite::quick, Suite::standard}) {
    const GateResult result = run_gate(kernels, ContractSet::builtin(), options_for(suite));
    testing::check_every_kernel_passes(result);
    std::printf("%s suite: worst accuracy error per kernel (units of the bound)\n",
                std::string(name(suite)).c_str());
    for (const KernelResult& k : result.kernels) {
      const CheckStats& accuracy = k.checks.at(Check::accuracy);
      std::printf("  %-44s %.4g  (%zu elements)\n", k.kernel->name().c_str(),
                  accuracy.worst_error, accuracy.elements);
    }
    CHECK(result.ok());
  }
}

TEST_CASE("the gate catches both planted backward bugs on accuracy") {
  using fixtures::BackwardBug;
  for (Suite suite : {Suite::quick, Suite::standard}) {
    for (BackwardBug bug : {BackwardBug::bf16_dot_accumulator, BackwardBug::bf16_exp_argument}) {
      const Kernel kernel = fixtures::planted_backward_kernel(bug);
      GateOptions options = options_for(suite);
      options.reproducers_per_check = 1000000;  // keep every violation, to see its family
      const GateResult result = run_gate({&kernel}, ContractSet::builtin(), options);
      const KernelResult& k = result.kernels.front();
      const CheckStats& accuracy = k.checks.at(Check::accuracy);
      const std::string families = describe(families_of(k, Check::accuracy));
      INFO(kernel.name() << " on the " << name(suite) << " suite, violations by family: "
                         << families);
      std::printf("%s, %s suite: %zu accuracy violations of %zu elements, worst %.4g of the "
                  "bound; by family: %s\n",
                  kernel.name().c_str(), std::string(name(suite)).c_str(), accuracy.violations,
                  accuracy.elements, accuracy.worst_error, families.c_str());
      CHECK(k.verdict == Verdict::fail);
      CHECK(accuracy.violations > 0);
      // A reproducer carries the row's y (or log_y) and dy, by name, besides the logits.
      for (const Violation& v : k.reproducers) {
        if (v.n > kMaxLoggedRow) continue;
        REQUIRE(v.inputs.size() == 2);
        CHECK(v.inputs[0].first == (bug == BackwardBug::bf16_dot_accumulator ? "y" : "log_y"));
        CHECK(v.inputs[1].first == "dy");
        CHECK(v.inputs[1].second.size() == v.n);
      }
      // The mistake stays in the arithmetic: no write past n, no failed call.
      for (Check check : {Check::bounds, Check::crash})
        if (k.checks.count(check)) CHECK(k.checks.at(check).violations == 0);
      if (k.checks.count(Check::special))
        std::printf("  and %zu special-value violations of %zu elements\n",
                    k.checks.at(Check::special).violations, k.checks.at(Check::special).elements);
    }
  }
}

// JAX #40409's class: long f16 rows through a backward kernel with an f16 accumulator. The
// default suite's long-rows family has f16 rows of 65536; an f16 running sum of dy stalls once
// its ulp exceeds twice the terms (from about 2048 |dy|), so sum dy is far off.
TEST_CASE("an f16 log_softmax backward with an f16 sum of dy fails on the long rows") {
  const Kernel kernel = fixtures::f16_dy_sum_kernel();
  GateOptions options = options_for(Suite::standard);
  options.probe_calls = false;
  options.include_batch = [](const Kernel&, const std::string& family, std::size_t) {
    return family == "long-rows";
  };
  const KernelResult k = run_gate({&kernel}, ContractSet::builtin(), options).kernels.front();
  const CheckStats& accuracy = k.checks.at(Check::accuracy);
  INFO("worst " << accuracy.worst_error << " of the bound, " << accuracy.violations
                << " violations of " << accuracy.elements);
  CHECK(k.verdict == Verdict::fail);
  CHECK(accuracy.violations > 0);
  CHECK(accuracy.worst_error > 100);
  REQUIRE_FALSE(k.reproducers.empty());
  for (const Violation& v : k.reproducers) {
    CHECK(v.family == "long-rows");
    CHECK(v.n == 65536);
  }
}
