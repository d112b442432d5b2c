// The built-in kernel names and the registry's idempotence.
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "kernels/kernel.hpp"

using namespace softcheck;

TEST_CASE("register_builtin_kernels registers each name once, however often it is called") {
  Registry registry;
  register_builtin_kernels(registry);
  const std::size_t count = registry.all().size();
  register_builtin_kernels(registry);
  CHECK(registry.all().size() == count);

  std::set<std::string> names;
  for (const Kernel& kernel : registry.all()) {
    CHECK(kernel.provider == "builtin");
    CHECK(static_cast<bool>(kernel.run));
    CHECK(names.insert(kernel.name()).second);
  }
  // naive: 2 formats x 4 ops; three-pass-recompute and -reload: 4 formats x 3 ops each;
  // max-then-sum: 4 formats; two-pass and online: 4 formats x 4 ops each; StableMax
  // two-pass: 2 formats x 3 ops; the loss family (f32, f64: 5 comp-sum + 4 temperature + 1
  // BCE + 2 Z-loss); with Highway, the SIMD kernels (3 ops x 3 formats x 4 algorithms).
  const std::size_t simd = registry.match("builtin/*/*/simd-*").size();
#ifdef SOFTCHECK_HAVE_HWY
  CHECK(simd == 36);
#else
  CHECK(simd == 0);
#endif
  // Unified-max softmax (unified_max.hpp): f32, bf16, f16.
  CHECK(registry.match("builtin/softmax/*/unified-max-*").size() == 3);
  // The attention normalisers (normalisers.hpp): sigmoid and softplus, f32.
  CHECK(registry.match("builtin/*_normaliser/f32/f64acc").size() == 2);
  // Temperature softmax (temperature_softmax.hpp): f32 at T = 0.001, 0.1, 10, 1000.
  CHECK(registry.match("builtin/temperature_softmax/f32/f64acc-T*").size() == 4);
  // Chunked cross-entropy with gradient filtering (chunked_ce.hpp): f32.
  CHECK(registry.match("builtin/cross_entropy/f32/chunked-*").size() == 1);
  CHECK(count == 8 + 12 + 12 + 4 + 16 + 16 + 6 + 24 + 3 + 2 + 4 + 1 + simd);
}

TEST_CASE("the built-in names follow builtin/<op>/<format>/<algorithm>") {
  Registry registry;
  register_builtin_kernels(registry);
  const std::set<std::string> required = {
      "builtin/softmax/f32/naive",
      "builtin/softmax/f64/three-pass-recompute",
      "builtin/log_softmax/f32/three-pass-reload",
      "builtin/logsumexp/f64/max-then-sum",
      "builtin/logsumexp/f32/naive",
      "builtin/cross_entropy/f32/two-pass",
      "builtin/cross_entropy/f64/online",
      "builtin/softmax/bf16/three-pass-reload",
      "builtin/cross_entropy/f16/online",
      "builtin/logsumexp/bf16/online",
      "builtin/log_softmax/f16/three-pass-reload",
      "builtin/stablemax/f32/two-pass",
      "builtin/log_stablemax/f64/two-pass",
      "builtin/stablemax_cross_entropy/f32/two-pass",
  };
  for (const std::string& name : required) {
    INFO(name);
    CHECK(registry.match(name).size() == 1);
  }
  // Not registered: three-pass names for logsumexp, naive for 16-bit storage.
  CHECK(registry.match("builtin/logsumexp/*/three-pass-*").empty());
  CHECK(registry.match("builtin/*/bf16/naive").empty());
  CHECK(registry.match("builtin/*/f16/naive").empty());
  // StableMax: only two-pass, only f32 and f64.
  CHECK(registry.match("builtin/*stablemax*/*/*").size() == 6);
  CHECK(registry.match("builtin/*stablemax*/*16/*").empty());
  CHECK(registry.match("builtin/*/f32/*").size() ==
        4 + 3 + 3 + 1 + 4 + 4 + 3 + 12 + 1 + 2 + 4 + 1 + registry.match("builtin/*/f32/simd-*").size());
}
