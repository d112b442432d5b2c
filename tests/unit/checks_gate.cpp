#include <catch2/catch.hpp>
#include <atomic>
#include <cmath>
#include <set>
#include <string>

#include "checks/behaviour_checks.hpp"
#include "checks/gate.hpp"
#include "gate_test_support.hpp"
#include "planted_bugs.hpp"
#include "test_seed.hpp"

using namespace softcheck;

namespace {

const KernelResult& only(const GateResult& result) {
  return result.kernels.front();
}

}  // namespace

TEST_CASE("every built-in kernel holds its default contract on the quick suite") {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  std::vector<const Kernel*> kernels;
  for (const Kernel& k : registry.all()) kernels.push_back(&k);
  const GateResult result =
      run_gate(kernels, ContractSet::builtin(), testing::quick_gate_options());
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
      {Bug::abs_max, Check::accuracy},
      {Bug::bf16_accumulator, Check::accuracy},
      {Bug::writes_padding, Check::bounds},
      {Bug::drops_nan, Check::special},
      {Bug::cancelling_gradient, Check::accuracy},
      {Bug::flushes_subnormals, Check::subnormal},
  };
  for (const auto& c : cases) {
    const Kernel kernel = fixtures::planted_kernel(c.bug);
    INFO(kernel.name());
    const GateResult result =
        run_gate({&kernel}, ContractSet::builtin(), testing::quick_gate_options());
    CHECK(only(result).verdict == Verdict::fail);
    CHECK(only(result).checks.at(c.check).violations > 0);
    CHECK_FALSE(only(result).reproducers.empty());
  }
}

TEST_CASE("a contract that allows flushing accepts the flushing kernel, nothing else changes") {
  const Kernel kernel = fixtures::planted_kernel(fixtures::Bug::flushes_subnormals);
  ContractSet contracts = ContractSet::builtin();
  contracts.add_rules(R"({"rules": [{"kernel": "fixture/*", "flush_subnormals": true}]})", "test");
  const GateResult result = run_gate({&kernel}, contracts, testing::quick_gate_options());
  CHECK(only(result).verdict == Verdict::pass);
}

TEST_CASE("an expected failure that passes is reported as an unexpected pass") {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  const auto kernels = registry.match("builtin/softmax/f64/online");
  REQUIRE(kernels.size() == 1);
  ContractSet contracts = ContractSet::builtin();
  contracts.add_rules(R"({"rules": [{"kernel": "*/online", "expect": "fail"}]})", "test");
  const GateResult result = run_gate(kernels, contracts, testing::quick_gate_options());
  CHECK(only(result).verdict == Verdict::unexpected_pass);
  CHECK_FALSE(result.ok());
}

TEST_CASE("gate results are reproducible from the seed") {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  const auto kernels = registry.match("builtin/*/f32/two-pass");
  const GateResult a = run_gate(kernels, ContractSet::builtin(), testing::quick_gate_options());
  const GateResult b = run_gate(kernels, ContractSet::builtin(), testing::quick_gate_options());
  REQUIRE(a.kernels.size() == b.kernels.size());
  for (std::size_t i = 0; i < a.kernels.size(); ++i)
    for (const auto& [check, stats] : a.kernels[i].checks)
      CHECK(stats.worst_error == b.kernels[i].checks.at(check).worst_error);
}

namespace {

// Runs the gate on 1 and on 3 threads and requires the same counts, worst errors, verdicts and
// reproducers; the number of violations seen.
std::size_t same_on_one_and_three_threads(const std::vector<const Kernel*>& kernels) {
  GateOptions one = testing::quick_gate_options(), three = one;
  one.threads = 1;
  three.threads = 3;
  const GateResult a = run_gate(kernels, ContractSet::builtin(), one);
  const GateResult b = run_gate(kernels, ContractSet::builtin(), three);
  REQUIRE(a.kernels.size() == b.kernels.size());
  CHECK(a.reference_elements == b.reference_elements);
  std::size_t violations = 0;
  for (std::size_t i = 0; i < a.kernels.size(); ++i) {
    const KernelResult& x = a.kernels[i];
    const KernelResult& y = b.kernels[i];
    INFO(x.kernel->name());
    CHECK(x.verdict == y.verdict);
    REQUIRE(x.checks.size() == y.checks.size());
    for (const auto& [check, stats] : x.checks) {
      const CheckStats& other = y.checks.at(check);
      CHECK(stats.elements == other.elements);
      CHECK(stats.violations == other.violations);
      CHECK(stats.worst_error == other.worst_error);
      CHECK(stats.worst_allowed == other.worst_allowed);
      violations += stats.violations;
    }
    CHECK(x.declared == y.declared);
    REQUIRE(x.bias.size() == y.bias.size());
    for (std::size_t f = 0; f < x.bias.size(); ++f) {
      CHECK(x.bias[f].family == y.bias[f].family);
      CHECK(x.bias[f].stats.values == y.bias[f].stats.values);
      CHECK(x.bias[f].stats.error.sum == y.bias[f].stats.error.sum);
    }
    REQUIRE(x.reproducers.size() == y.reproducers.size());
    for (std::size_t v = 0; v < x.reproducers.size(); ++v) {
      CHECK(x.reproducers[v].family == y.reproducers[v].family);
      CHECK(x.reproducers[v].batch == y.reproducers[v].batch);
      CHECK(x.reproducers[v].row == y.reproducers[v].row);
      CHECK(x.reproducers[v].element == y.reproducers[v].element);
    }
  }
  return violations;
}

}  // namespace

// The gate checks the built-in kernels' (format, family) units side by side, each on one
// thread, and joins them in order (checks/gate_merge.hpp); kernels of another provider then
// go through the units one at a time, each on the run's threads. Either way every count,
// worst error, bias statistic and reproducer must be the same on 1 thread as on 3, for
// correct kernels, the naive built-ins (which fail, so there are reproducers to keep in
// order) and planted bugs of another provider.
TEST_CASE("gate results do not depend on the number of threads") {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  std::vector<const Kernel*> kernels = registry.match("builtin/*/f32/*");
  for (const Kernel* k : registry.match("builtin/softmax/bf16/*")) kernels.push_back(k);
  SECTION("built-in kernels only") {
    CHECK(same_on_one_and_three_threads(kernels) > 0);  // the naive kernels were caught
  }
  SECTION("with another provider's kernels, in a second pass") {
    const Kernel planted[] = {fixtures::planted_kernel(fixtures::Bug::abs_max),
                              fixtures::planted_kernel(fixtures::Bug::drops_nan)};
    for (const Kernel& kernel : planted) kernels.push_back(&kernel);
    CHECK(same_on_one_and_three_threads(kernels) > 0);
  }
}

namespace {

bool ranking_applies(Op op) {
  return op == Op::softmax || op == Op::log_softmax || op == Op::stablemax ||
         op == Op::log_stablemax || in_family(op, "normaliser");  // the normalisers: per-element outputs
}

std::size_t count(const KernelResult& k, Check check, std::size_t CheckStats::*field) {
  const auto it = k.checks.find(check);
  return it == k.checks.end() ? 0 : it->second.*field;
}

}  // namespace

TEST_CASE("the behaviour checks hold for every correct built-in kernel on the default suite") {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  std::vector<const Kernel*> kernels;
  for (const Kernel& k : registry.all())
    if (k.algorithm != "naive") kernels.push_back(&k);
  GateOptions options = testing::quick_gate_options();
  options.suite = Suite::standard;
  const GateResult result = run_gate(kernels, ContractSet::builtin(), options);
  for (const KernelResult& k : result.kernels) {
    INFO(k.kernel->name());
    for (Check check : {Check::ranking, Check::descent, Check::risk_order})
      CHECK(count(k, check, &CheckStats::violations) == 0);
    // Each check runs on the ops it is for, and only there.
    CHECK((count(k, Check::ranking, &CheckStats::elements) > 0) == ranking_applies(k.kernel->op));
    CHECK((count(k, Check::descent, &CheckStats::elements) > 0) == has_loss(k.kernel->op));
    CHECK((count(k, Check::risk_order, &CheckStats::elements) > 0) == has_loss(k.kernel->op));
  }
}

TEST_CASE("the behaviour checks catch planted reorderings and a sign error in the gradient") {
  using fixtures::Bug;
  const struct {
    Bug bug;
    Check check;
    const char* family;  // one family that exposes it
  } cases[] = {
      {Bug::swaps_near_ties, Check::ranking, "normal-s1"},
      {Bug::sign_flipped_gradient, Check::descent, "normal-s1"},
      {Bug::inverted_risk, Check::risk_order, "normal-s1"},
  };
  for (const auto& c : cases) {
    const Kernel kernel = fixtures::planted_kernel(c.bug);
    INFO(kernel.name() << ": expected " << name(c.check));
    GateOptions options = testing::quick_gate_options();
    options.reproducers_per_check = 100000;  // keep every violation, to see its family
    const GateResult result = run_gate({&kernel}, ContractSet::builtin(), options);
    const KernelResult& k = only(result);
    CHECK(k.verdict == Verdict::fail);
    CHECK(count(k, c.check, &CheckStats::violations) > 0);
    std::set<std::string> families;
    for (const Violation& v : k.reproducers)
      if (v.check == c.check) {
        families.insert(v.family);
        CHECK_FALSE(v.message.empty());  // says which pair or product breaks the order
      }
    CHECK(families.count(c.family) == 1);
  }
  // Swapped losses keep their gradients. (The fixtures' loss -log(softmax_y) in f32 is itself
  // inaccurate on confident rows, which risk_order sees too: not asserted either way.)
  const Kernel swapped = fixtures::planted_kernel(Bug::inverted_risk);
  CHECK(count(only(run_gate({&swapped}, ContractSet::builtin(), testing::quick_gate_options())),
              Check::descent, &CheckStats::violations) == 0);
  // The sign error is an accuracy violation as well; the swapped losses too.
  const Kernel flipped = fixtures::planted_kernel(Bug::sign_flipped_gradient);
  CHECK(count(only(run_gate({&flipped}, ContractSet::builtin(), testing::quick_gate_options())),
              Check::accuracy, &CheckStats::violations) > 0);
}

TEST_CASE("behaviour checks: the bound is the sum of the allowances; ties") {
  // f64 with a 1-ulp contract: each element may be off by ulp(exact), so two elements near
  // 0.25 (ulp 2^-54) may swap when they differ by at most 2 ulps.
  Contract contract;
  contract.max_ulp = 1, contract.ulp_per_gap = 0, contract.ulp_per_element = 0;
  Batch batch;
  batch.format = Format::f64;
  batch.rows = 2, batch.n = 2;
  batch.values.assign(4, 0.0);
  batch.targets.assign(2, 0);
  const double u = std::ldexp(1.0, -54);
  const auto exact = [](double v) { return reference::Exact{v, v, 0.0}; };

  SECTION("ranking: a strict reversal beyond the bound is a violation, a tie is not") {
    const std::vector<reference::Exact> far{exact(0.25), exact(0.25 + 4 * u)};
    const auto swapped = check_ranking(batch, 0, std::vector{0.25 + 4 * u, 0.25}, far, contract);
    REQUIRE(swapped);
    CHECK_FALSE(swapped->measurement.pass);
    CHECK(swapped->element == 1);  // the exactly larger element, ranked below the other
    const auto tied =
        check_ranking(batch, 0, std::vector{0.25 + 2 * u, 0.25 + 2 * u}, far, contract);
    REQUIRE(tied);
    CHECK(tied->measurement.pass);
    const auto right = check_ranking(batch, 0, std::vector{0.25, 0.25 + 4 * u}, far, contract);
    REQUIRE(right);
    CHECK(right->measurement.pass);
    CHECK(right->measurement.error == 0.0);
    // Within the bound (2 ulps apart, allowances 1 ulp each) a swap is allowed: nothing to check.
    const std::vector<reference::Exact> near{exact(0.25), exact(0.25 + 2 * u)};
    CHECK_FALSE(check_ranking(batch, 0, std::vector{0.25 + 2 * u, 0.25}, near, contract));
  }
  SECTION("descent: the gradient must have a positive inner product with the exact one") {
    const std::vector<reference::Exact> e{exact(0.5), exact(-0.5)};
    const auto flipped = check_descent(batch, 0, std::vector{-0.5, 0.5}, e, contract);
    REQUIRE(flipped);
    CHECK_FALSE(flipped->measurement.pass);
    const auto same = check_descent(batch, 0, std::vector{0.5, -0.5}, e, contract);
    REQUIRE(same);
    CHECK(same->measurement.pass);
    CHECK(same->measurement.error == 0.0);
    // An exact gradient within its bound has no direction to keep.
    const std::vector<reference::Exact> tiny{exact(0x1p-1074), exact(-0x1p-1074)};
    CHECK_FALSE(check_descent(batch, 0, std::vector{-0x1p-1074, 0x1p-1074}, tiny, contract));
  }
  SECTION("risk_order: equal losses are a violation when the exact ones differ beyond the bound") {
    const std::vector<reference::Exact> losses{exact(1.0), exact(1.0 + 32 * u)};
    const auto tied =
        check_risk_order(batch, std::vector{1.0 + 16 * u, 1.0 + 16 * u}, losses, contract);
    REQUIRE(tied.size() == 1);
    CHECK_FALSE(tied.front().measurement.pass);
    CHECK(tied.front().row == 1);
    const auto kept = check_risk_order(batch, std::vector{1.0, 1.0 + 32 * u}, losses, contract);
    REQUIRE(kept.size() == 1);
    CHECK(kept.front().measurement.pass);
    const std::vector<reference::Exact> close{exact(1.0), exact(1.0 + 4 * u)};  // 1 ulp apart
    CHECK(check_risk_order(batch, std::vector{1.0 + 4 * u, 1.0}, close, contract).empty());
  }
}

namespace {

// A softmax that is accurate out of place but rereads x after writing out: in place, its
// sum is taken over the exponentials it wrote instead of over x.
void rereads_overwritten_input(const KernelCall& call) {
  for (std::size_t r = 0; r < call.rows; ++r) {
    const float* x = static_cast<const float*>(call.x) + r * call.stride;
    float* out = static_cast<float*>(call.out) + r * call.stride;
    double max = -HUGE_VAL;
    for (std::size_t i = 0; i < call.n; ++i) max = std::fmax(max, x[i]);
    for (std::size_t i = 0; i < call.n; ++i) out[i] = static_cast<float>(std::exp(x[i] - max));
    double sum = 0.0;
    for (std::size_t i = 0; i < call.n; ++i) sum += std::exp(x[i] - max);
    for (std::size_t i = 0; i < call.n; ++i) out[i] = static_cast<float>(out[i] / sum);
  }
}

// Reads the row's first logit before checking n, and is otherwise a correct softmax.
void reads_first_logit_unchecked(const KernelCall& call) {
  for (std::size_t r = 0; r < call.rows; ++r) {
    const volatile float* x = static_cast<const float*>(call.x) + r * call.stride;
    float* out = static_cast<float*>(call.out) + r * call.stride;
    double max = x[0];
    for (std::size_t i = 1; i < call.n; ++i) max = std::fmax(max, x[i]);
    double sum = 0.0;
    for (std::size_t i = 0; i < call.n; ++i) sum += std::exp(double(x[i]) - max);
    for (std::size_t i = 0; i < call.n; ++i)
      out[i] = static_cast<float>(std::exp(double(x[i]) - max) / sum);
  }
}

std::size_t violations_of(const KernelResult& k, Check check) {
  const auto it = k.checks.find(check);
  return it == k.checks.end() ? 0 : it->second.violations;
}

}  // namespace

TEST_CASE("the gate calls every kernel at zero size first: a crash there is its verdict") {
  const Kernel kernel{Op::softmax, Format::f32, "reads-x0", "test", reads_first_logit_unchecked, {}};
  GateOptions options = testing::quick_gate_options();
  options.probe_calls = false;  // the gate without the zero-size calls passes it
  const KernelResult before = only(run_gate({&kernel}, ContractSet::builtin(), options));
  CHECK(before.verdict == Verdict::pass);
  CHECK(before.checks.count(Check::crash) == 0);

  const KernelResult after =
      only(run_gate({&kernel}, ContractSet::builtin(), testing::quick_gate_options()));
  CHECK(after.verdict == Verdict::fail);
  CHECK(after.checks.at(Check::crash).elements == 2);  // rows = 0, and rows of n = 0
  CHECK(violations_of(after, Check::crash) == 1);
  CHECK(after.violations() == 1);
  REQUIRE(after.reproducers.size() == 1);
  const Violation& v = after.reproducers.front();
  CHECK(v.family == kZeroSizeFamily);
  CHECK(v.output == "call");
  CHECK(v.message == "rows=3, n=0: killed by signal 11 (SIGSEGV)");

  const Kernel& correct = testing::builtin_kernel("builtin/softmax/f32/two-pass");
  const KernelResult clean =
      only(run_gate({&correct}, ContractSet::builtin(), testing::quick_gate_options()));
  CHECK(clean.checks.at(Check::crash).elements == 2);
  CHECK(clean.verdict == Verdict::pass);
}

TEST_CASE("a kernel declared in place is called in place on every batch") {
  const Kernel kernel{Op::softmax, Format::f32, "rereads-x", "test", rereads_overwritten_input, {}};
  ContractSet contracts = ContractSet::builtin();
  const KernelResult undeclared = only(run_gate({&kernel}, contracts, testing::quick_gate_options()));
  CHECK(undeclared.verdict == Verdict::pass);
  CHECK(undeclared.checks.count(Check::in_place) == 0);

  contracts.add_rules(R"({"rules": [{"kernel": "test/*", "in_place": true}]})", "test");
  const KernelResult declared = only(run_gate({&kernel}, contracts, testing::quick_gate_options()));
  CHECK(declared.verdict == Verdict::fail);
  CHECK(violations_of(declared, Check::accuracy) == 0);  // out of place it is accurate
  CHECK(violations_of(declared, Check::in_place) > 0);
  REQUIRE_FALSE(declared.reproducers.empty());
  const Violation& v = declared.reproducers.front();
  CHECK(v.check == Check::in_place);
  CHECK(v.family != kZeroSizeFamily);
  CHECK(v.message.rfind("in place: ", 0) == 0);

  const Kernel& correct = testing::builtin_kernel("builtin/softmax/f32/online");
  const KernelResult clean = only(run_gate({&correct}, contracts, testing::quick_gate_options()));
  CHECK(clean.checks.at(Check::in_place).elements > 0);  // builtin.json declares in_place
  CHECK(clean.checks.at(Check::in_place).violations == 0);
}

// A softmax whose f32 sum runs forwards on one call and backwards on the next, as a
// multi-threaded reduction whose order follows the scheduling: accurate either way, but not
// the same bits from call to call.
void alternating_sum_order(const KernelCall& call) {
  static std::atomic<unsigned> calls{0};
  const bool backwards = calls.fetch_add(1) % 2 == 1;
  for (std::size_t r = 0; r < call.rows; ++r) {
    const float* x = static_cast<const float*>(call.x) + r * call.stride;
    float* out = static_cast<float*>(call.out) + r * call.stride;
    float max = -HUGE_VALF;
    for (std::size_t i = 0; i < call.n; ++i) max = std::fmax(max, x[i]);
    float sum = 0.0f;
    for (std::size_t k = 0; k < call.n; ++k) sum += std::exp(x[backwards ? call.n - 1 - k : k] - max);
    for (std::size_t i = 0; i < call.n; ++i) out[i] = std::exp(x[i] - max) / sum;
  }
}

TEST_CASE("--run-twice: a kernel that gives other bits on a second call fails deterministic only") {
  const Kernel kernel{Op::softmax, Format::f32, "alternating-sum", "test", alternating_sum_order, {}};
  const ContractSet contracts = ContractSet::builtin();
  GateOptions options = testing::quick_gate_options();
  const KernelResult once = only(run_gate({&kernel}, contracts, options));
  CHECK(once.checks.count(Check::deterministic) == 0);

  options.run_twice = true;
  const KernelResult twice = only(run_gate({&kernel}, contracts, options));
  CHECK(twice.verdict == Verdict::fail);
  CHECK(violations_of(twice, Check::deterministic) > 0);
  CHECK(violations_of(twice, Check::accuracy) == violations_of(once, Check::accuracy));
  REQUIRE_FALSE(twice.reproducers.empty());
  bool named = false;
  for (const Violation& v : twice.reproducers)
    named |= v.check == Check::deterministic && v.message.rfind("second call: ", 0) == 0;
  CHECK(named);

  // Built-in kernels (single-threaded) give the same bits twice.
  for (const char* name : {"builtin/softmax/f32/online", "builtin/cross_entropy/bf16/two-pass"}) {
    INFO(name);
    const KernelResult clean =
        only(run_gate({&testing::builtin_kernel(name)}, contracts, options));
    CHECK(clean.checks.at(Check::deterministic).elements > 0);
    CHECK(clean.checks.at(Check::deterministic).violations == 0);
  }
}
