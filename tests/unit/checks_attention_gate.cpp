// The attention gate catches each planted replica of a published attention bug
// (fixtures/planted_attention.hpp) with the right check on the family built to expose it,
// and passes every built-in attention kernel on the default suite.
#include <catch2/catch.hpp>

#include <string>

#include "checks/attention_gate.hpp"
#include "planted_attention.hpp"
#include "test_seed.hpp"

namespace softcheck {
namespace {

AttentionGateResult gate(const AttentionKernel& kernel, const std::string& family) {
  AttentionGateOptions options;
  options.seed = testing::seed();
  options.family_glob = family;
  return run_attention_gate({&kernel}, options);
}

struct Expected {
  AttentionKernel kernel;
  std::string check;
  std::string family;
};

}  // namespace

TEST_CASE("every planted attention bug fails the gate on its family, with that family in the reproducer") {
  namespace p = planted_attention;
  const Expected expected[] = {
      {p::finite_max_init(), "output", "attn-below-sentinel"},
      {p::max_reset_after_masked_tile(), "output", "attn-masked-first-tile"},
      {p::softcap_dropped(), "output", "attn-softcap-huge"},
      {p::fp8_underflow_unrounded_sum(), "output", "attn-fp8-underflow"},
      {p::fp8_stale_max(), "output", "attn-fp8-stale-max"},
      {p::bf16_running_sum(), "output", "attn-uniform-long"},
      {p::masked_row_uniform(), "masked-row", "attn-causal-padding"},
      {p::f16_running_sum(), "output", "attn-uniform-long"},
      {p::half_flt_max_init(), "output", "attn-below-sentinel"},
      {p::textbook_lse_merge(), "output", "attn-below-sentinel"},
  };
  for (const Expected& e : expected) {
    INFO(e.kernel.name() << " on " << e.family);
    const AttentionGateResult result = gate(e.kernel, e.family);
    REQUIRE(result.kernels.size() == 1);
    const AttentionKernelResult& k = result.kernels[0];
    CHECK_FALSE(k.passed());
    CHECK(k.checks.at(e.check).violations > 0);
    bool named = false;
    for (const AttentionViolation& v : k.reproducers) named |= v.check == e.check && v.family == e.family;
    CHECK(named);
    CHECK(replay_command(k.reproducers.at(0), result.suite, result.seed).find("--family " + e.family) !=
          std::string::npos);
  }
}

TEST_CASE("the correct kernel the replicas are built from passes the families that expose them") {
  const AttentionKernel correct = planted_attention::make_kernel("flash2-reference", {});
  for (const char* family : {"attn-below-sentinel", "attn-masked-first-tile", "attn-softcap-huge",
                             "attn-uniform-long", "attn-causal-padding", "attn-fp8-underflow",
                             "attn-fp8-stale-max"}) {
    INFO(family);
    CHECK(gate(correct, family).ok());
  }
}

TEST_CASE("every built-in attention kernel passes the default suite") {
  AttentionRegistry registry;
  register_builtin_attention_kernels(registry);
  std::vector<const AttentionKernel*> kernels;
  for (const AttentionKernel& k : registry.all()) kernels.push_back(&k);
  REQUIRE(kernels.size() >= 16);
  AttentionGateOptions options;
  options.seed = testing::seed();
  const AttentionGateResult result = run_attention_gate(kernels, options);
  for (const AttentionKernelResult& k : result.kernels) {
    INFO(k.kernel->name());
    CHECK(k.passed());
    CHECK(k.cases > 100);
    CHECK(k.checks.at("output").checked > 0);
  }
}

}  // namespace softcheck
