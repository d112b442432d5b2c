// The built-in kernel names and the registry's idempotence.
#include <algorithm>
#include <catch2/catch.hpp>
#include <iterator>
#include <set>
#include <string>

#include "kernels/kernel.hpp"

using namespace softcheck;

namespace {

// The expected kernels come from the op and format lists (the op table's all_ops() and
// families, core/op.hpp, and kAllFormats) and the rule each registration file states, not from a
// hand-kept total: every built-in kernel falls in exactly one group below, and each group
// has, in each format, the kernels its rule gives.
template <class Predicate>
std::size_t ops_where(Predicate predicate) {
  return static_cast<std::size_t>(std::count_if(all_ops().begin(), all_ops().end(), predicate));
}
#ifdef SOFTCHECK_HAVE_HWY
constexpr bool kHaveSimd = true;
#else
constexpr bool kHaveSimd = false;  // cmake/Simd.cmake: without Highway no SIMD kernel
#endif
bool wide(Format f) { return f == Format::f32 || f == Format::f64; }
std::size_t family() { return ops_where([](Op op) { return in_family(op, "softmax"); }); }
// The softmax-family ops with an output per element (all but logsumexp), and with one per row.
std::size_t family_elementwise() {
  return ops_where([](Op op) { return in_family(op, "softmax") && !has_row_output(op); });
}
std::size_t family_rowwise() {
  return ops_where([](Op op) { return in_family(op, "softmax") && has_row_output(op); });
}
std::size_t only(bool holds, std::size_t count) { return holds ? count : 0; }
std::size_t backward() { return ops_where([](Op op) { return in_family(op, "backward"); }); }

struct Group {
  const char* glob;                        // the group's kernels
  std::size_t (*expected)(Format format);  // how many of them in `format`
};

const Group kGroups[] = {
    // src/kernels/builtin_registry.cpp: naive in f32 and f64, every softmax-family op;
    {"builtin/*/*/naive", [](Format f) { return only(wide(f), family()); }},
    // three-pass-recompute and -reload in every format, the elementwise softmax-family ops;
    {"builtin/*/*/three-pass-recompute", [](Format) { return family_elementwise(); }},
    {"builtin/*/*/three-pass-reload", [](Format) { return family_elementwise(); }},
    // max-then-sum in every format, logsumexp;
    {"builtin/*/*/max-then-sum", [](Format) { return family_rowwise(); }},
    // two-pass in every format, every softmax-family op, and the StableMax ops in f32 and f64;
    // backward.cpp: two-pass in every format, both backward ops;
    {"builtin/*/*/two-pass",
     [](Format f) { return family() + backward() + only(wide(f), ops_where([](Op op) { return in_family(op, "stablemax"); })); }},
    // backward.cpp: blocked in every format, both backward ops;
    {"builtin/*/*/blocked", [](Format) { return backward(); }},
    // online in every format, every softmax-family op.
    {"builtin/*/*/online", [](Format) { return family(); }},
    // loss_family_registry.cpp, f32 and f64, one kernel per parameter value: comp-sum at
    // tau 0, 0.5, 1, 1.5, 2; temperature cross-entropy at T 0.25, 0.5, 2, 10; sigmoid BCE
    // one-pass; Z-loss at (a, b) = (1, 1), (0.1, 10).
    {"builtin/comp_sum/*", [](Format f) { return only(wide(f), 5); }},
    {"builtin/temperature_cross_entropy/*", [](Format f) { return only(wide(f), 4); }},
    {"builtin/sigmoid_bce/*", [](Format f) { return only(wide(f), 1); }},
    {"builtin/z_loss/*", [](Format f) { return only(wide(f), 2); }},
    // Unified-max softmax (unified_max.hpp): f32, bf16, f16.
    {"builtin/softmax/*/unified-max-*", [](Format f) { return only(f != Format::f64, 1); }},
    // The attention normalisers (normalisers.hpp): sigmoid and softplus, f32.
    {"builtin/*_normaliser/*/f64acc", [](Format f) { return only(f == Format::f32, 2); }},
    // Temperature softmax (temperature_softmax.hpp): f32 at T = 0.001, 0.1, 10, 1000.
    {"builtin/temperature_softmax/*/f64acc-T*", [](Format f) { return only(f == Format::f32, 4); }},
    // Chunked cross-entropy with gradient filtering (chunked_ce.hpp): f32.
    {"builtin/cross_entropy/*/chunked-*", [](Format f) { return only(f == Format::f32, 1); }},
    // With Highway, the SIMD kernels (kernels/simd/simd.hpp): softmax, log_softmax and
    // cross_entropy in f32, bf16 and f16, four algorithms each.
    {"builtin/*/*/simd-*", [](Format f) { return only(kHaveSimd && f != Format::f64, 3 * 4); }},
};

// The number of built-in kernels the groups' rules give in `format`.
std::size_t expected_in(Format format) {
  std::size_t total = 0;
  for (const Group& group : kGroups) total += group.expected(format);
  return total;
}

}  // namespace

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
  // Each kernel in exactly one group (a kernel in none is a registration no rule accounts for).
  for (const Kernel& kernel : registry.all()) {
    INFO(kernel.name());
    CHECK(std::count_if(std::begin(kGroups), std::end(kGroups), [&](const Group& group) {
            return glob_match(group.glob, kernel.name());
          }) == 1);
  }
  // Each group has, in each format, the kernels its rule gives.
  std::size_t expected = 0;
  for (const Group& group : kGroups)
    for (Format format : kAllFormats) {
      INFO(group.glob << " in " << name(format));
      const auto kernels = registry.match(group.glob);
      const auto in_format = std::count_if(kernels.begin(), kernels.end(),
                                           [&](const Kernel* k) { return k->format == format; });
      CHECK(static_cast<std::size_t>(in_format) == group.expected(format));
      expected += group.expected(format);
    }
  CHECK(count == expected);
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
  CHECK(registry.match("builtin/*/f32/*").size() == expected_in(Format::f32));
}
