// Softmax-collapse measurement (checks/collapse.hpp) against its theory
// (checks/collapse_theory.hpp, proofs/softmax-collapse.md), on in-process fake kernels and
// the built-in kernels.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <numbers>

#include "checks/collapse.hpp"
#include "checks/collapse_stablemax_theory.hpp"
#include "gate_test_support.hpp"
#include "test_seed.hpp"

using namespace softcheck;
using namespace softcheck::collapse;

namespace {

// f32 cross-entropy that forms the sum the textbook way: the small terms first, then
// sum = 1 + small (rounded to f32), loss = log(sum) - (x_y - m), gradient softmax - onehot.
// Its loss and target gradient collapse once the small terms are <= 2^-24: the plain-sum
// formula. The exact variant does the same in double and rounds once to f32 at the end, so
// only output underflow can zero it.
template <class Acc>
void log_of_sum_rows(const KernelCall& call) {
  const auto* x = static_cast<const float*>(call.x);
  auto* out = static_cast<float*>(call.out);
  auto* loss = static_cast<float*>(call.loss);
  for (std::size_t r = 0; r < call.rows; ++r) {
    const float* row = x + r * call.stride;
    const std::size_t a = static_cast<std::size_t>(std::max_element(row, row + call.n) - row);
    const std::size_t y = static_cast<std::size_t>(call.target[r]);
    const Acc m = row[a];
    Acc small = 0;
    for (std::size_t j = 0; j < call.n; ++j)
      if (j != a) small += std::exp(Acc(row[j]) - m);
    const Acc sum = Acc(1) + small;
    if constexpr (std::is_same_v<Acc, float>) {
      loss[r] = std::log(sum) - (row[y] - m);
    } else {
      loss[r] = static_cast<float>(std::log1p(small) - (Acc(row[y]) - m));
    }
    for (std::size_t j = 0; j < call.n; ++j) {
      const Acc softmax = std::exp(Acc(row[j]) - m) / sum;
      // The exact variant writes -small/sum at the target (no cancellation) when y is the max.
      const Acc gradient = (j == y && !std::is_same_v<Acc, float> && y == a)
                               ? -small / sum
                               : softmax - (j == y ? Acc(1) : Acc(0));
      out[r * call.stride + j] = static_cast<float>(gradient);
    }
  }
}

// f32 log(1 + sum) whose log is off by -1.5 * 2^-20 (a polynomial log with log(1) != 0, as
// oneDNN's): from the gap where log(fl(1 + δ)) <= 1.5 * 2^-20 on the loss is negative and
// the target gradient exp(-loss) - 1 positive, instead of exactly 0.
constexpr float kLogBias = 0x1.8p-20f;
void biased_log_rows(const KernelCall& call) {
  log_of_sum_rows<float>(call);
  auto* out = static_cast<float*>(call.out);
  auto* loss = static_cast<float*>(call.loss);
  for (std::size_t r = 0; r < call.rows; ++r) {
    loss[r] -= kLogBias;
    out[r * call.stride + static_cast<std::size_t>(call.target[r])] = std::exp(-loss[r]) - 1.0f;
  }
}

Kernel fake_kernel(const std::string& algorithm, KernelFn fn) {
  return {Op::cross_entropy, Format::f32, algorithm, "fixture", std::move(fn)};
}

// The grid step: a measured onset lies on the grid at or just above the theoretical one.
constexpr double kStep = kDefaultStep;

}  // namespace

TEST_CASE("theory: the plain-sum, max-first and output-underflow onsets") {
  const double ln2 = std::numbers::ln2;
  CHECK(plain_sum_onset(24, 1.0) == Approx(24 * ln2));  // 16.636
  CHECK(plain_sum_onset(53, 999.0) == Approx(53 * ln2 + std::log(999.0)));
  CHECK(max_first_onset(24, -0.5) == Approx(24 * ln2 - 0.5));
  // The loss ~ S e^-g rounds to 0 once <= denorm_min/2: 2^-150 (f32), 2^-1075 (f64),
  // 2^-134 (bf16), 2^-25 (f16).
  CHECK(output_underflow_onset(Format::f32, 1.0) == Approx(150 * ln2));
  CHECK(output_underflow_onset(Format::f64, 1.0) == Approx(1075 * ln2));
  CHECK(output_underflow_onset(Format::bf16, 9.0) == Approx(134 * ln2 + std::log(9.0)));
  CHECK(output_underflow_onset(Format::f16, 1.0) == Approx(25 * ln2));
  CHECK(accumulator_precision(testing::builtin_kernel("builtin/cross_entropy/f64/online")) == 53);
  CHECK(accumulator_precision(testing::builtin_kernel("builtin/cross_entropy/f16/online")) == 24);
  CHECK(model_of(testing::builtin_kernel("builtin/cross_entropy/f32/online")) == Model::one_plus_s);
  CHECK(model_of(testing::builtin_kernel("builtin/cross_entropy/f64/naive")) == Model::naive);
}

TEST_CASE("the grid holds only gaps representable in the format") {
  const auto f32 = gap_grid(Format::f32, kStep, 120.0);
  CHECK(f32.size() == 120 * 64 + 1);
  const auto bf16 = gap_grid(Format::bf16, kStep, 100.0);
  for (double g : bf16) CHECK(is_representable(g, Format::bf16));
  // bf16 has 8 bits: spacing 1/64 up to 2, 1/2 in [64, 128).
  CHECK(grid_spacing(bf16, 1) == kStep);
  CHECK(grid_spacing(bf16, bf16.size() - 1) == 0.5);
}

TEST_CASE("onsets: first zero and the zero run up to the reference's zero") {
  const std::vector<double> gaps = {0, 1, 2, 3, 4, 5};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  SECTION("non-monotone: an early zero, then a persistent run") {
    const Onset onset = find_onset(gaps, std::vector<double>{1, 0, 1, 0, 0, 7}, 5, is_zero);
    CHECK(onset.first == 1.0);
    CHECK(onset.from == 3.0);
    CHECK(onset.spacing == 1.0);
  }
  SECTION("nonzero (or NaN) just before the limit: no persistent onset") {
    const Onset onset = find_onset(gaps, std::vector<double>{1, 0, 0, nan, 1, 0}, 5, is_zero);
    CHECK(onset.first == 1.0);
    CHECK_FALSE(onset.from);
  }
  SECTION("zero or the wrong sign") {
    const Onset loss =
        find_onset(gaps, std::vector<double>{1, 0, 1, -1e-7, 0, 7}, 5, is_not_positive);
    CHECK(loss.first == 1.0);
    CHECK(loss.from == 3.0);
    const Onset gradient =
        find_onset(gaps, std::vector<double>{-1, 1e-7, -1, nan, 0, 7}, 5, is_not_negative);
    CHECK(gradient.first == 1.0);
    CHECK(gradient.from == 4.0);
  }
  SECTION("never zero") {
    const Onset onset = find_onset(gaps, std::vector<double>{1, 1, 1, 1, 1, 1}, 6, is_zero);
    CHECK_FALSE(onset.first);
    CHECK_FALSE(onset.from);
  }
}

TEST_CASE("a log(1 + sum) kernel in f32 collapses at 24 ln 2 + ln(n - 1)") {
  const Kernel kernel = fake_kernel("log-of-sum", &log_of_sum_rows<float>);
  for (std::size_t n : {2, 10, 1000}) {
    INFO("n = " << n);
    const Result r = measure(kernel, n, {});
    const double theory = plain_sum_onset(24, double(n - 1));
    REQUIRE(r.loss.from);
    REQUIRE(r.gradient.from);
    // The measured onset is the first grid gap at or above the theoretical one.
    CHECK(*r.loss.from >= theory - 1e-9);
    CHECK(*r.loss.from < theory + kStep);
    CHECK(r.loss.first == r.loss.from);
    CHECK(r.loss_sign.from == r.loss.from);  // exactly 0, never negative
    CHECK(r.gradient_sign.from == r.gradient.from);
    CHECK(std::abs(*r.gradient.from - theory) < kStep);
    CHECK(r.loss.reference_at_from > 0);
    CHECK(r.gradient.reference_at_from < 0);
    // The reference itself only vanishes at output underflow.
    REQUIRE(r.reference_loss_zero);
    CHECK(std::abs(*r.reference_loss_zero - r.theory.output_underflow) < kStep);
  }
}

TEST_CASE("a log(1) != 0 gives a wrong-sign onset instead of a zero onset") {
  const Kernel kernel = fake_kernel("biased-log", &biased_log_rows);
  for (std::size_t n : {2, 100}) {
    INFO("n = " << n);
    const Result r = measure(kernel, n, {});
    CHECK_FALSE(r.loss.from);
    REQUIRE(r.loss_sign.from);
    REQUIRE(r.gradient_sign.from);
    // fl(1 + δ) = 1 + k 2^-23 and log of it <= 12 * 2^-23 = kLogBias once δ <= 12.5 * 2^-23.
    const double theory = 23 * std::numbers::ln2 - std::log(12.5) + std::log(double(n - 1));
    CHECK(std::abs(*r.loss_sign.from - theory) < 2 * kStep);
    CHECK(std::abs(*r.gradient_sign.from - theory) < 2 * kStep);
    CHECK(r.loss_sign.reference_at_from > 0);
  }
}

TEST_CASE("with spread competitors the collapse moves to 24 ln 2 + ln S") {
  const Kernel kernel = fake_kernel("log-of-sum", &log_of_sum_rows<float>);
  Options options;
  options.layout = Layout::spread;
  options.seed = softcheck::testing::seed();
  INFO("seed " << options.seed);
  const Result r = measure(kernel, 100, options);
  for (double c : r.competitors) {
    CHECK(c <= 0.0);
    CHECK(c >= -1.0);
  }
  REQUIRE(r.loss.from);
  CHECK(std::abs(*r.loss.from - r.theory.plain_sum) < 2 * kStep);
  CHECK(r.theory.ln_weight < std::log(99.0));
  CHECK(r.theory.ln_weight > std::log(99.0) - 1);
}

TEST_CASE("a kernel whose loss is exact does not collapse before the reference underflows") {
  const Kernel kernel = fake_kernel("exact", &log_of_sum_rows<double>);
  for (std::size_t n : {2, 1000}) {
    INFO("n = " << n);
    const Result r = measure(kernel, n, {});
    CHECK_FALSE(r.loss.from);
    CHECK_FALSE(r.loss.first);
    CHECK_FALSE(r.gradient.from);
    REQUIRE(r.reference_loss_zero);
    CHECK(std::abs(*r.reference_loss_zero - r.theory.output_underflow) < kStep);
  }
}

TEST_CASE("the built-in 1+s kernels keep a nonzero loss until the output underflows") {
  register_builtin_kernels(Registry::instance());
  for (const Kernel* kernel : Registry::instance().match("builtin/cross_entropy/*")) {
    // naive, and the SIMD kernels (log of the plain sum, like the libraries'), collapse.
    if (kernel->algorithm == "naive" || kernel->algorithm.starts_with("simd-")) continue;
    // Chunked cross-entropy is not a 1+s kernel: its loss is log of a double sum (zero from a
    // gap of ~36.7) and its filter zeroes gradients below 2^-28 (README, "Unified-max softmax
    // and attention normalisers").
    if (kernel->algorithm.starts_with("chunked-")) continue;
    for (std::size_t n : {2, 10}) {
      INFO(kernel->name() << " n = " << n);
      const Result r = measure(*kernel, n, {});
      REQUIRE(r.failure.empty());
      REQUIRE(r.theory.onset);
      REQUIRE(r.reference_loss_zero);
      REQUIRE(r.reference_gradient_zero);
      // The reference is 0 from the first grid gap past the output-underflow formula.
      const double spacing = ulp(*r.reference_loss_zero, kernel->format) > kStep
                                 ? ulp(*r.reference_loss_zero, kernel->format)
                                 : kStep;
      CHECK(std::abs(*r.reference_loss_zero - *r.theory.onset) < spacing);
      // No collapse, or only on the last grid gap(s) before the reference's zero, where the
      // kernel's last rounding reaches 0 a step early.
      if (r.loss.from) CHECK(*r.loss.from >= *r.reference_loss_zero - 2 * spacing);
      if (r.gradient.from) CHECK(*r.gradient.from >= *r.reference_gradient_zero - 2 * spacing);
      CHECK(r.theory.plain_sum < *r.reference_loss_zero);
    }
  }
}

TEST_CASE("batching rows into several calls gives the same onsets") {
  const Kernel kernel = fake_kernel("log-of-sum", &log_of_sum_rows<float>);
  Options small_calls;
  small_calls.max_elements_per_call = 1000;
  const Result one = measure(kernel, 10, {});
  const Result many = measure(kernel, 10, small_calls);
  CHECK(many.calls > one.calls);
  CHECK(many.loss.from == one.loss.from);
  CHECK(many.gradient.from == one.gradient.from);
}

TEST_CASE("the target may sit last") {
  const Kernel kernel = fake_kernel("log-of-sum", &log_of_sum_rows<float>);
  Options options;
  options.target = TargetPosition::last;
  const Result r = measure(kernel, 10, options);
  CHECK(r.target == 9);
  REQUIRE(r.loss.from);
  CHECK(std::abs(*r.loss.from - plain_sum_onset(24, 9.0)) < kStep);
}

TEST_CASE("a failed kernel call is reported, not thrown") {
  const Kernel kernel = fake_kernel(
      "crashes", [](const KernelCall&) { throw KernelFailure("killed by signal 11 (SIGSEGV)"); });
  const Result r = measure(kernel, 10, {});
  CHECK(r.failure == "killed by signal 11 (SIGSEGV)");
  CHECK_FALSE(r.loss.from);
}

TEST_CASE("measure refuses a non-cross-entropy kernel and fewer than two classes") {
  CHECK_THROWS_AS(measure(testing::builtin_kernel("builtin/softmax/f32/online"), 10, {}),
                  std::invalid_argument);
  CHECK_THROWS_AS(measure(testing::builtin_kernel("builtin/cross_entropy/f32/online"), 1, {}),
                  std::invalid_argument);
}

// ---- StableMax cross-entropy (collapse_stablemax_theory.hpp, proofs "StableMax") ----

namespace {

float stablemax_s_f32(float x) {
  return x >= 0 ? x + 1 : 1 / (1 - x);
}

// f32 StableMax cross-entropy the textbook way: T = the competitors' s summed first, then
// S = s_y + T rounded to f32 (a plain sum), loss log(S / s_y); the log-difference variant
// returns log(S) - log(s_y), as src/training/stablemax_loss.cpp does with libtorch. The
// target gradient is -(T / S) / s_y (x_y >= 0 in the sweep), which does not cancel, so only
// the loss collapses.
template <bool kLogDifference>
void stablemax_plain_sum_rows(const KernelCall& call) {
  const auto* x = static_cast<const float*>(call.x);
  auto* out = static_cast<float*>(call.out);
  auto* loss = static_cast<float*>(call.loss);
  for (std::size_t r = 0; r < call.rows; ++r) {
    const float* row = x + r * call.stride;
    const auto y = static_cast<std::size_t>(call.target[r]);
    float others = 0;
    for (std::size_t j = 0; j < call.n; ++j)
      if (j != y) others += stablemax_s_f32(row[j]);
    const float s_y = stablemax_s_f32(row[y]);
    const float sum = s_y + others;
    loss[r] = kLogDifference ? std::log(sum) - std::log(s_y) : std::log(sum / s_y);
    for (std::size_t j = 0; j < call.n; ++j) {
      const float s = stablemax_s_f32(row[j]);
      out[r * call.stride + j] = j == y        ? -(others / sum) / s_y
                                 : row[j] >= 0 ? 1 / sum
                                               : s * (s / sum);
    }
  }
}

Kernel fake_stablemax_kernel(const std::string& algorithm, KernelFn fn) {
  return {Op::stablemax_cross_entropy, Format::f32, algorithm, "fixture", std::move(fn)};
}

// The kernel's target gradient on one row.
double target_gradient(const Kernel& kernel, double gap, const std::vector<double>& competitors) {
  const std::vector<double> gaps = {gap};
  const Batch batch = make_batch(kernel.format, gaps, competitors, 0);
  const std::size_t n = batch.n;
  const PackedBatch x = pack(batch, n);
  PackedBatch out = make_output(kernel.format, 1, n, n);
  PackedBatch loss = make_output(kernel.format, 1, 1, 1);
  kernel.run({x.data(), out.data(), loss.data(), batch.targets.data(), 1, n, n});
  return packed_value(out, 0, 0);
}

}  // namespace

TEST_CASE("theory: StableMax's plain-sum and gradient-underflow onsets") {
  CHECK(stablemax_s(0.0) == 1.0);
  CHECK(stablemax_s(3.0) == 4.0);
  CHECK(stablemax_s(-1.0) == 0.5);
  // T = 9: K = 24 + 3 + 1, and 2^28 - 16 + 1 rounds to 2^28 - 16, so 2^28 is the first.
  CHECK(stablemax_absorption_onset(Format::f32, 24, 9.0) == std::ldexp(1.0, 28));
  CHECK(stablemax_absorption_onset(Format::f64, 53, 999.0) == std::ldexp(1.0, 63));
  // T = 1: from 2^24 - 1 on (fl(g + 1) = 2^24, and every fl(g + 1) above is even, where
  // + 1 is a tie back to it). T = 3/4: K = 24, and 2^24 - 1 + 1 = 2^24 exactly.
  CHECK(stablemax_absorption_onset(Format::f32, 24, 1.0) == std::ldexp(1.0, 24) - 1);
  CHECK(stablemax_absorption_onset(Format::f32, 24, 0.75) == std::ldexp(1.0, 24) - 1);
  // T = 3/2: K = 25; the f32 below 2^25 is 2^25 - 2, and 2^25 - 1 ties up to 2^25.
  CHECK(stablemax_absorption_onset(Format::f32, 24, 1.5) == std::ldexp(1.0, 25) - 2);
  // |gradient| = T / ((g + 1)(g + 1 + T)) <= denorm_min / 2: g ~ sqrt(2T / denorm_min).
  CHECK(stablemax_gradient_underflow_onset(Format::f32, 1.0) == Approx(std::ldexp(1.0, 75)));
  CHECK(stablemax_gradient_underflow_onset(Format::f32, 9.0) == Approx(3 * std::ldexp(1.0, 75)));
  CHECK(stablemax_gradient_underflow_onset(Format::f64, 1.0) ==
        Approx(std::sqrt(2.0) * std::ldexp(1.0, 537)));
  // f16: 2^12.5 for T = 1; beyond 65504 for T = 999 (never).
  CHECK(stablemax_gradient_underflow_onset(Format::f16, 1.0) ==
        Approx(std::exp2(12.5)).epsilon(1e-3));
  CHECK(std::isinf(stablemax_gradient_underflow_onset(Format::f16, 999.0)));
  CHECK(model_of(testing::builtin_kernel("builtin/stablemax_cross_entropy/f32/two-pass")) ==
        Model::s_plus_r);
}

TEST_CASE("the geometric grid: 8 gaps per octave, representable, up to the end") {
  const auto f32 = geometric_gap_grid(Format::f32, 8, std::ldexp(1.0, 80));
  CHECK(f32.front() == 0);
  CHECK(f32[1] == 1);
  CHECK(f32[2] == 1.125);
  CHECK(f32.back() == std::ldexp(1.0, 80));
  CHECK(f32.size() == 1 + 80 * 8 + 1);
  const auto f64 = geometric_gap_grid(Format::f64, 8, std::numeric_limits<double>::infinity());
  CHECK(f64.back() == std::ldexp(1.875, 1023));  // the largest grid gap below the f64 max
}

TEST_CASE("bisection narrows a crossing to adjacent values of the format") {
  const double threshold = 1e10 + 0.3;
  const Crossing c = bisect_gap(
      {1e9, 1e11}, Format::f32, [&](double g) { return g >= threshold; }, kMaxBisectionSteps);
  CHECK(c.at >= threshold);
  CHECK(c.below < threshold);
  CHECK(c.at - c.below == ulp(c.below, Format::f32));
  CHECK(is_representable(c.at, Format::f32));
}

TEST_CASE("a textbook StableMax kernel in f32 loses its loss from the plain-sum gap ~ (n-1) 2^24") {
  const Kernel kernel = fake_stablemax_kernel("plain-sum", &stablemax_plain_sum_rows<false>);
  for (Layout layout : {Layout::zeros, Layout::spread}) {
    for (std::size_t n : {2, 10, 1000}) {
      Options options;
      options.layout = layout;
      options.seed = softcheck::testing::seed();
      INFO("n = " << n << " " << name(layout) << " seed " << options.seed);
      const Result r = measure(kernel, n, options);
      REQUIRE(r.failure.empty());
      CHECK(r.geometric);
      // The reference's loss log1p(T / (g + 1)) never rounds to 0 in f32.
      CHECK_FALSE(r.reference_loss_zero);
      CHECK(std::isinf(r.theory.output_underflow));
      REQUIRE(r.theory.onset);
      CHECK(*r.theory.onset == r.theory.plain_sum);
      const double weight = stablemax_weight(r.competitors);
      CHECK(r.theory.plain_sum >= std::ldexp(weight, 24) - 1);
      CHECK(r.theory.plain_sum <= std::ldexp(weight, 25));
      // Bisected to adjacent f32 values: exactly the theoretical gap.
      REQUIRE(r.loss.from);
      CHECK(*r.loss.from == r.theory.plain_sum);
      CHECK(r.loss.spacing == ulp(*r.loss.from - r.loss.spacing, Format::f32));
      CHECK(r.loss.reference_at_from > 0);
      CHECK_FALSE(r.gradient.from);  // -(T / S) / s_y does not cancel
    }
  }
}

TEST_CASE("log(S) - log(s_y) hits 0 earlier, from T / g below the spacing of log g") {
  const Kernel kernel = fake_stablemax_kernel("log-difference", &stablemax_plain_sum_rows<true>);
  for (std::size_t n : {10, 1000}) {
    INFO("n = " << n);
    const Result r = measure(kernel, n, {});
    REQUIRE(r.loss.first);
    // The two logs differ by T / g; they cannot round to the same f32 while that exceeds the
    // spacing 2^(floor(log2 ln g) - 23) of ln g, and do for a growing share of gaps beyond.
    const double g = *r.loss.first;
    const double spacing = std::ldexp(1.0, std::ilogb(std::log(g)) - 23);
    CHECK(double(n - 1) / g <= spacing);
    CHECK(double(n - 1) / g > spacing / 8);
    CHECK(g < r.theory.plain_sum / 8);
  }
}

TEST_CASE("built-in StableMax kernels: the loss never 0, the gradient 0 where the reference is") {
  register_builtin_kernels(Registry::instance());
  const auto kernels = Registry::instance().match("builtin/stablemax_cross_entropy/*");
  REQUIRE(kernels.size() == 2);
  for (const Kernel* kernel : kernels) {
    const double u = std::ldexp(1.0, -traits(kernel->format).precision);
    for (Layout layout : {Layout::zeros, Layout::spread}) {
      for (std::size_t n : {2, 10, 1000}) {
        Options options;
        options.layout = layout;
        options.seed = softcheck::testing::seed();
        INFO(kernel->name() << " n = " << n << " " << name(layout) << " seed " << options.seed);
        const Result r = measure(*kernel, n, options);
        REQUIRE(r.failure.empty());
        CHECK(r.theory.model == Model::s_plus_r);
        CHECK_FALSE(r.theory.onset);
        // log1p(R / s_a) > 0 on the whole grid, 4x beyond the gradient's underflow.
        CHECK_FALSE(r.loss.first);
        CHECK_FALSE(r.loss_sign.first);
        CHECK_FALSE(r.reference_loss_zero);
        // The reference gradient is 0 from the first value >= sqrt(2T / denorm_min).
        REQUIRE(r.reference_gradient_zero);
        const double theory = r.theory.gradient_underflow;
        CHECK(*r.theory.gradient_onset == theory);
        CHECK(std::abs(*r.reference_gradient_zero - theory) <= 2 * ulp(theory, kernel->format));
        // The kernel's own gradient underflows there too, within its error: relative (n + 7) u
        // in the value (contract), half of that in g ~ 1/sqrt(|gradient|).
        const double band = (double(n) + 7) * u;
        CHECK(target_gradient(*kernel, round_to_format(theory * (1 - band), kernel->format),
                              r.competitors) < 0);
        CHECK(target_gradient(*kernel, round_to_format(theory * (1 + band), kernel->format),
                              r.competitors) == 0);
        if (r.gradient.from) CHECK(*r.gradient.from >= theory * (1 - band));
        CHECK_FALSE(r.gradient_sign.first);
      }
    }
  }
}

TEST_CASE("softmax cross-entropy collapses many orders of magnitude earlier than StableMax's") {
  // The grokking paper's point (Prieto et al. 2025), in f32 with 10 classes: the textbook
  // kernels' losses are exactly 0 from g = 18.8 (softmax) and g = 2^28 (StableMax) ...
  const Result softmax = measure(fake_kernel("log-of-sum", &log_of_sum_rows<float>), 10, {});
  const Result stablemax =
      measure(fake_stablemax_kernel("plain-sum", &stablemax_plain_sum_rows<false>), 10, {});
  REQUIRE(softmax.loss.from);
  REQUIRE(stablemax.loss.from);
  CHECK(*softmax.loss.from < 19);
  CHECK(*stablemax.loss.from == std::ldexp(1.0, 28));
  CHECK(*stablemax.loss.from > 1e6 * *softmax.loss.from);
  // ... and the built-ins' target gradients, which only underflow, from g = 106 and 1.1e23.
  const Result builtin_softmax =
      measure(testing::builtin_kernel("builtin/cross_entropy/f32/two-pass"), 10, {});
  const Result builtin_stablemax =
      measure(testing::builtin_kernel("builtin/stablemax_cross_entropy/f32/two-pass"), 10, {});
  REQUIRE(builtin_softmax.reference_gradient_zero);
  REQUIRE(builtin_stablemax.reference_gradient_zero);
  CHECK(*builtin_softmax.reference_gradient_zero < 107);
  CHECK(*builtin_stablemax.reference_gradient_zero >
        1e20 * *builtin_softmax.reference_gradient_zero);
}
