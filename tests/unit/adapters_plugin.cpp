// Plugins: the fixtures in tests/fixtures/plugins are loaded by path and gated. The correct
// plugin passes; each planted bug is caught by the check that names it, on the family built
// to expose it; a crashing or hanging plugin is a `crash` and the gate finishes; malformed
// plugins are refused with a one-line PluginError and register nothing.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "adapters/plugin_loader.hpp"
#include "checks/attention_gate.hpp"
#include "checks/gate.hpp"
#include "gate_test_support.hpp"
#include "test_seed.hpp"

using namespace softcheck;
using namespace std::chrono_literals;

namespace {

constexpr auto kTestTimeout = 500ms;                  // per call, for the hanging fixture
constexpr std::size_t kKeepEveryViolation = 1 << 20;  // reproducers: enough to see families
constexpr double kHalfWrong = 1 << 22;  // f32 ulps of the exact value: >= 50 % relative error

std::string fixture(const std::string& stem) {
  return std::string(SOFTCHECK_FIXTURE_DIR) + "/" + stem + ".so";
}

GateOptions quick_options() {
  GateOptions options = testing::quick_gate_options();
  options.reproducers_per_check = kKeepEveryViolation;
  return options;
}

const Kernel& only_kernel(const Registry& registry, const std::string& algorithm) {
  for (const Kernel& k : registry.all())
    if (k.algorithm == algorithm) return k;
  FAIL("no kernel with algorithm " << algorithm);
  throw std::logic_error("unreachable");
}

KernelResult gate_one(const Kernel& kernel) {
  return run_gate({&kernel}, ContractSet::builtin(), quick_options()).kernels.front();
}

std::size_t violations(const KernelResult& result, Check check) {
  const auto found = result.checks.find(check);
  return found == result.checks.end() ? 0 : found->second.violations;
}

std::set<std::string> families_of(const KernelResult& result, Check check) {
  std::set<std::string> families;
  for (const Violation& v : result.reproducers)
    if (v.check == check) families.insert(v.family);
  return families;
}

std::string load_error(const std::string& path) {
  Registry registry;
  try {
    load_plugin(path, registry);
  } catch (const PluginError& error) {
    CHECK(registry.all().empty());  // all or nothing
    return error.what();
  }
  return "loaded";
}

}  // namespace

TEST_CASE("the correct plugin loads under plugin:<name> and passes the gate") {
  Registry registry;
  load_plugin(fixture("good"), registry);
  REQUIRE(registry.all().size() == 2);
  const Kernel& softmax = registry.all()[0];
  CHECK(softmax.name() == "plugin:good/softmax/f32/three-pass");
  CHECK(softmax.provider == "plugin:good");
  CHECK(registry.all()[1].name() == "plugin:good/cross_entropy/f32/three-pass");
  std::vector<const Kernel*> kernels;
  for (const Kernel& k : registry.all()) kernels.push_back(&k);
  const GateResult result = run_gate(kernels, ContractSet::builtin(), quick_options());
  for (const KernelResult& k : result.kernels) {
    INFO(k.kernel->name());
    CHECK(k.verdict == Verdict::pass);
    CHECK(k.violations() == 0);
  }
}

TEST_CASE("each planted bug is caught by its check, on the family that exposes it") {
  const struct {
    std::string fixture, algorithm;
    Check check;                     // must have violations
    std::set<std::string> families;  // at least one violation of `check` in one of these
    std::vector<Check> clean;        // must have none
  } cases[] = {
      {"no_max",
       "no-max-subtraction",
       Check::accuracy,
       {"uniform-90-100"},
       {Check::bounds, Check::crash}},
      {"abs_max",
       "abs-max",
       Check::accuracy,
       {"lowest-fill-tied-max", "alternating-sign"},
       {Check::special, Check::bounds, Check::crash}},
      {"bf16_sum",
       "bf16-accumulator",
       Check::accuracy,
       {"normal-s1"},
       {Check::special, Check::bounds, Check::crash}},
      {"tail",
       "tail-skip",
       Check::accuracy,
       {"tile-lengths"},
       {Check::special, Check::bounds, Check::crash}},
      {"tail",
       "tail-overrun",
       Check::bounds,
       {"tile-lengths"},
       {Check::accuracy, Check::subnormal, Check::special, Check::sum_to_one, Check::crash}},
      {"ftz",
       "flush-to-zero",
       Check::subnormal,
       {"exp-underflow-edge"},
       {Check::accuracy, Check::special, Check::bounds, Check::crash}},
      {"mask_nan",
       "online-unguarded",
       Check::accuracy,
       {"masked"},
       {Check::special, Check::bounds, Check::crash}},
      {"nan_to_num",
       "nan-to-num",
       Check::special,
       {"special-values"},
       {Check::accuracy, Check::subnormal, Check::bounds, Check::crash}},
      {"ce_bf16_grad",
       "bf16-target-gradient",
       Check::accuracy,
       {"confident"},
       {Check::special, Check::bounds, Check::crash}},
  };
  for (const auto& c : cases) {
    Registry registry;
    load_plugin(fixture(c.fixture), registry);
    const KernelResult result = gate_one(only_kernel(registry, c.algorithm));
    INFO(result.kernel->name() << ": expected " << name(c.check));
    CHECK(result.verdict == Verdict::fail);
    CHECK(violations(result, c.check) > 0);
    const auto seen = families_of(result, c.check);
    CHECK(std::any_of(c.families.begin(), c.families.end(),
                      [&](const std::string& f) { return seen.count(f) > 0; }));
    for (Check clean : c.clean) {
      INFO("and nothing in " << name(clean));
      CHECK(violations(result, clean) == 0);
    }
  }
}

TEST_CASE("the confident-row gradient bug is off by half or more on confident rows") {
  Registry registry;
  load_plugin(fixture("ce_bf16_grad"), registry);
  const KernelResult result = gate_one(registry.all().front());
  double worst = 0.0;
  for (const Violation& v : result.reproducers)
    if (v.family == "confident" && v.check == Check::accuracy) {
      CHECK(v.output == "out");
      CHECK(static_cast<std::int64_t>(v.element) == v.target);  // only the true class
      worst = std::max(worst, v.error);
    }
  CHECK(worst >= kHalfWrong);
}

TEST_CASE("a plugin that crashes or hangs is a crash violation, and the gate finishes") {
  SECTION("segfault") {
    Registry registry;
    load_plugin(fixture("crash"), registry);
    const KernelResult result = gate_one(registry.all().front());
    CHECK(result.verdict == Verdict::fail);
    CHECK(violations(result, Check::crash) > 0);
    for (Check check : {Check::accuracy, Check::subnormal, Check::special, Check::bounds})
      CHECK(violations(result, check) == 0);  // the calls that ran were right
    REQUIRE_FALSE(result.reproducers.empty());
    CHECK(result.reproducers.front().message == "killed by signal 11 (SIGSEGV)");
    CHECK(result.reproducers.front().n > 16);
  }
  SECTION("hang") {
    Registry registry;
    load_plugin(fixture("hang"), registry, {kTestTimeout});
    const auto start = std::chrono::steady_clock::now();
    const KernelResult result = gate_one(registry.all().front());
    CHECK(std::chrono::steady_clock::now() - start < 60s);
    CHECK(violations(result, Check::crash) > 0);
    REQUIRE_FALSE(result.reproducers.empty());
    CHECK(result.reproducers.front().message == "timed out after 500 ms");
    CHECK(result.reproducers.front().family == "special-values");
  }
}

TEST_CASE("malformed plugins are refused with one line naming the file and the problem") {
  const auto refused = [](const std::string& stem, const std::string& problem) {
    const std::string message = load_error(fixture(stem));
    INFO(message);
    CHECK(message.find(fixture(stem)) != std::string::npos);
    CHECK(message.find(problem) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  };
  refused("no_entry", "no symbol softcheck_plugin_entry");
  refused("wrong_abi", "built for plugin ABI version 2, this softcheck supports version 1");
  refused("bad_entry", "kernel 1: unknown op 7");
  refused("bad_attention", "attention kernel 1: unknown p_format 9 (expected 0-4)");
  refused("missing", "No such file or directory");

  const std::string text = std::string(SOFTCHECK_FIXTURE_DIR) + "/not-a-library.so";
  std::ofstream(text) << "not an ELF file\n";
  const std::string message = load_error(text);
  std::remove(text.c_str());
  CHECK(message.find("cannot load") != std::string::npos);
}

TEST_CASE("loading a plugin twice is refused, and the first load stays") {
  Registry registry;
  load_plugin(fixture("good"), registry);
  CHECK_THROWS_WITH(
      load_plugin(fixture("good"), registry),
      Catch::Contains("kernel plugin:good/softmax/f32/three-pass is already registered"));
  CHECK(registry.all().size() == 2);
}

TEST_CASE("attention kernels of a plugin: the correct one passes, the planted softcap bug fails") {
  Registry registry;
  AttentionRegistry attention;
  load_plugin(fixture("attention"), registry, attention, {kTestTimeout * 20});
  CHECK(registry.all().empty());  // attention kernels only
  REQUIRE(attention.all().size() == 3);
  const AttentionKernel& naive = attention.all()[0];
  CHECK(naive.name() == "plugin:attn/attention/f32/naive-f64");
  CHECK(naive.provider == "plugin:attn");
  CHECK(naive.provides_lse);
  CHECK(naive.formats.accumulation == Format::f32);
  CHECK_FALSE(attention.all()[2].provides_lse);
  AttentionGateOptions options;
  options.suite = Suite::quick;
  options.seed = testing::seed();
  const AttentionGateResult result =
      run_attention_gate({&attention.all()[0], &attention.all()[1], &attention.all()[2]}, options);
  REQUIRE(result.kernels.size() == 3);
  CHECK(result.kernels[0].passed());
  CHECK(result.kernels[0].checks.at("lse").checked > 0);
  const AttentionKernelResult& bugged = result.kernels[1];
  CHECK(bugged.checks.at("output").violations > 0);
  for (const AttentionViolation& v : bugged.reproducers) CHECK(v.family == "attn-softcap-huge");
  const AttentionKernelResult& failing = result.kernels[2];
  REQUIRE(failing.checks.at("crash").violations > 0);
  CHECK(failing.reproducers.front().message.find("is more than this kernel's 512 keys") !=
        std::string::npos);

  CHECK_THROWS_WITH(
      load_plugin(fixture("attention"), registry, attention),
      Catch::Contains("kernel plugin:attn/attention/f32/naive-f64 is already registered"));
  CHECK(attention.all().size() == 3);
}
