// The row-wise families of issue 20 against the bugs they were built for, on the default suite:
// - max-position: the fixture max_tail16.c (a plugin softmax whose max pass skips the
//   remainder of its 16-wide loop) passes every family that existed before the positional
//   ones, and fails max-position, every reproducer naming that family with the maximum in
//   the skipped tail;
// - common-offset: a cross-entropy whose loss is logsumexp - x_y taken at the logits' own
//   scale (pytorch PR #195829's kind of mistake) fails it on the loss, its gradient right;
//   a log_softmax that does not subtract the maximum gives infinities there (pytorch #158310),
//   and a softmax whose running maximum starts at 0 gives 0 / 0 on its negative rows
//   (onnxruntime PR #20059).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <string>

#include "adapters/plugin_loader.hpp"
#include "checks/gate.hpp"
#include "gate_test_support.hpp"

using namespace softcheck;

namespace {

constexpr std::size_t kFixtureBlock = 16;             // max_tail16.c's loop width
constexpr std::size_t kKeepEveryViolation = 1 << 20;  // reproducers: enough to see families

// Every family of families() before the positional families and common-offset.
const std::set<std::string> kEarlierFamilies = {"normal-s1",
                                                "normal-s3",
                                                "normal-s30",
                                                "normal-s1000",
                                                "uniform-90-100",
                                                "exp-overflow-edge",
                                                "exp-underflow-edge",
                                                "lowest-fill-tied-max",
                                                "alternating-sign",
                                                "confident",
                                                "masked",
                                                "long-rows",
                                                "tile-lengths",
                                                "special-values",
                                                "ties",
                                                "unified-max-window"};

// The default suite under the test seed, on the families `wanted` holds.
GateOptions default_suite_on(std::set<std::string> wanted) {
  GateOptions options = testing::quick_gate_options();
  options.suite = Suite::standard;
  options.reproducers_per_check = kKeepEveryViolation;
  options.probe_calls = false;  // the families only: the zero-size calls are not theirs
  options.include_batch = [wanted = std::move(wanted)](const Kernel&, const std::string& family,
                                                       std::size_t) {
    return wanted.count(family) > 0;
  };
  return options;
}

KernelResult gate_one(const Kernel& kernel, const GateOptions& options) {
  return run_gate({&kernel}, ContractSet::builtin(), options).kernels.front();
}

std::size_t violations(const KernelResult& result, Check check) {
  const auto found = result.checks.find(check);
  return found == result.checks.end() ? 0 : found->second.violations;
}

const Kernel& max_tail16_kernel(Registry& registry) {
  load_plugin(std::string(SOFTCHECK_FIXTURE_DIR) + "/max_tail16.so", registry);
  REQUIRE(registry.all().size() == 1);
  return registry.all().front();
}

// Whether the first maximum of a logged row lies past the fixture's last whole block.
bool max_in_skipped_tail(const Violation& v) {
  const auto top = std::max_element(v.logits.begin(), v.logits.end());
  const auto at = static_cast<std::size_t>(top - v.logits.begin());
  return v.n >= kFixtureBlock && at >= v.n / kFixtureBlock * kFixtureBlock;
}

// Cross-entropy, f32 storage, double arithmetic: the gradient right (softmax_j, and
// -sum_{j != y} softmax_j at the target), the loss the f32 logsumexp minus x_y, so the
// loss's own size is lost in ulps of the logits' scale.
void loss_at_scale_row(const float* x, float* grad, float& loss, std::size_t y, std::size_t n) {
  const double m = *std::max_element(x, x + n);
  double sum = 0.0, others = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    sum += std::exp(x[j] - m);
    if (j != y) others += std::exp(x[j] - m);
  }
  for (std::size_t j = 0; j < n; ++j)
    grad[j] = static_cast<float>(j == y ? -others / sum : std::exp(x[j] - m) / sum);
  const float logsumexp = static_cast<float>(m + std::log(sum));
  loss = logsumexp - x[y];
}

void run_loss_at_scale(const KernelCall& call) {
  const auto* x = static_cast<const float*>(call.x);
  auto* out = static_cast<float*>(call.out);
  auto* loss = static_cast<float*>(call.loss);
  for (std::size_t r = 0; r < call.rows; ++r)
    loss_at_scale_row(x + r * call.stride, out + r * call.stride, loss[r],
                      static_cast<std::size_t>(call.target[r]), call.n);
}

// Softmax in f32 whose running maximum starts at 0 instead of -inf (onnxruntime PR #20059:
// a half infinity() that returned 0): where every logit is below about -88, every exp
// underflows and the row is 0 / 0.
void max_from_zero_row(const float* x, float* y, std::size_t n) {
  float m = 0.0f, sum = 0.0f;
  for (std::size_t j = 0; j < n; ++j) m = std::max(m, x[j]);
  for (std::size_t j = 0; j < n; ++j) sum += std::exp(x[j] - m);
  for (std::size_t j = 0; j < n; ++j) y[j] = std::exp(x[j] - m) / sum;
}

void run_max_from_zero(const KernelCall& call) {
  const auto* x = static_cast<const float*>(call.x);
  auto* out = static_cast<float*>(call.out);
  for (std::size_t r = 0; r < call.rows; ++r)
    max_from_zero_row(x + r * call.stride, out + r * call.stride, call.n);
}

Kernel loss_at_scale_kernel() {
  return {Op::cross_entropy, Format::f32, "loss-at-scale", "fixture", &run_loss_at_scale};
}

}  // namespace

// Under the gate's default seed: the earlier families catch the fixture by chance under
// some seeds (about 1 in 6, measured over seeds 1-200), when every tied maximum of a
// lowest-fill-tied-max row or the largest alternating-sign logit falls in the skipped tail.
TEST_CASE("a max pass that skips its 16-wide remainder passes the families before max-position") {
  Registry registry;
  GateOptions options = default_suite_on(kEarlierFamilies);
  options.seed = GateOptions{}.seed;  // the gate's default seed, as the CLI's --seed
  const KernelResult result = gate_one(max_tail16_kernel(registry), options);
  INFO(result.kernel->name());
  CHECK(result.verdict == Verdict::pass);
  CHECK(result.violations() == 0);
  CHECK(result.checks.at(Check::accuracy).elements > 0);
}

TEST_CASE("max-position catches the max pass that skips its 16-wide remainder") {
  Registry registry;
  const KernelResult result =
      gate_one(max_tail16_kernel(registry), default_suite_on({"max-position"}));
  CHECK(result.verdict == Verdict::fail);
  CHECK(violations(result, Check::accuracy) > 0);
  REQUIRE_FALSE(result.reproducers.empty());
  std::size_t logged = 0;
  for (const Violation& v : result.reproducers) {
    INFO("row " << v.row << " of n = " << v.n);
    CHECK(v.family == "max-position");
    if (v.logits.empty()) continue;  // rows longer than kMaxLoggedRow are not logged
    ++logged;
    CHECK(max_in_skipped_tail(v));
  }
  CHECK(logged > 0);
}

TEST_CASE("common-offset catches a cross-entropy loss taken as logsumexp - x_y at scale") {
  const Kernel kernel = loss_at_scale_kernel();
  const KernelResult result = gate_one(kernel, default_suite_on({"common-offset"}));
  CHECK(result.verdict == Verdict::fail);
  CHECK(violations(result, Check::accuracy) > 0);
  REQUIRE_FALSE(result.reproducers.empty());
  for (const Violation& v : result.reproducers) {
    CHECK(v.family == "common-offset");
    if (v.check == Check::accuracy) CHECK(v.output == "loss");
  }
}

TEST_CASE("common-offset: a log_softmax without the max subtraction gives infinities") {
  const Kernel& naive = testing::builtin_kernel("builtin/log_softmax/f32/naive");
  const KernelResult result = gate_one(naive, default_suite_on({"common-offset"}));
  CHECK(result.verdict == Verdict::expected_fail);
  CHECK(std::any_of(result.reproducers.begin(), result.reproducers.end(), [](const Violation& v) {
    return v.family == "common-offset" && std::isinf(v.got);
  }));
}

TEST_CASE("common-offset catches a running maximum that starts at 0 on its negative rows") {
  const Kernel kernel{Op::softmax, Format::f32, "max-from-zero", "fixture", &run_max_from_zero};
  const KernelResult result = gate_one(kernel, default_suite_on({"common-offset"}));
  CHECK(result.verdict == Verdict::fail);
  REQUIRE_FALSE(result.reproducers.empty());
  for (const Violation& v : result.reproducers) {
    CHECK(std::isnan(v.got));
    CHECK(std::all_of(v.logits.begin(), v.logits.end(), [](double x) { return x < 0.0; }));
  }
}
