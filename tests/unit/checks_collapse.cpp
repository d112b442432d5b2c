// Softmax-collapse measurement (checks/collapse.hpp) against its theory
// (checks/collapse_theory.hpp, proofs/softmax-collapse.md), on in-process fake kernels and
// the built-in kernels.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <numbers>

#include "checks/collapse.hpp"
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

const Kernel& builtin(const std::string& name) {
  register_builtin_kernels(Registry::instance());
  const auto found = Registry::instance().match(name);
  REQUIRE(found.size() == 1);
  return *found.front();
}

// The grid step: a measured onset lies on the grid at or just above the theoretical one.
constexpr double kStep = kDefaultStep;

}  // namespace

TEST_CASE("theory: the plain-sum, max-first and output-underflow onsets") {
  const double ln2 = std::numbers::ln2;
  CHECK(plain_sum_onset(24, 1.0) == Approx(24 * ln2));           // 16.636
  CHECK(plain_sum_onset(53, 999.0) == Approx(53 * ln2 + std::log(999.0)));
  CHECK(max_first_onset(24, -0.5) == Approx(24 * ln2 - 0.5));
  // The loss ~ S e^-g rounds to 0 once <= denorm_min/2: 2^-150 (f32), 2^-1075 (f64),
  // 2^-134 (bf16), 2^-25 (f16).
  CHECK(output_underflow_onset(Format::f32, 1.0) == Approx(150 * ln2));
  CHECK(output_underflow_onset(Format::f64, 1.0) == Approx(1075 * ln2));
  CHECK(output_underflow_onset(Format::bf16, 9.0) == Approx(134 * ln2 + std::log(9.0)));
  CHECK(output_underflow_onset(Format::f16, 1.0) == Approx(25 * ln2));
  CHECK(accumulator_precision(builtin("builtin/cross_entropy/f64/online")) == 53);
  CHECK(accumulator_precision(builtin("builtin/cross_entropy/f16/online")) == 24);
  CHECK(model_of(builtin("builtin/cross_entropy/f32/online")) == Model::one_plus_s);
  CHECK(model_of(builtin("builtin/cross_entropy/f64/naive")) == Model::naive);
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
    const Onset loss = find_onset(gaps, std::vector<double>{1, 0, 1, -1e-7, 0, 7}, 5, is_not_positive);
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
    CHECK(std::abs(r.reference_loss_zero - r.theory.output_underflow) < kStep);
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
    CHECK(std::abs(r.reference_loss_zero - r.theory.output_underflow) < kStep);
  }
}

TEST_CASE("the built-in 1+s kernels keep a nonzero loss until the output underflows") {
  register_builtin_kernels(Registry::instance());
  for (const Kernel* kernel : Registry::instance().match("builtin/cross_entropy/*")) {
    if (kernel->algorithm == "naive") continue;
    for (std::size_t n : {2, 10}) {
      INFO(kernel->name() << " n = " << n);
      const Result r = measure(*kernel, n, {});
      REQUIRE(r.failure.empty());
      REQUIRE(r.theory.onset);
      // The reference is 0 from the first grid gap past the output-underflow formula.
      const double spacing = ulp(r.reference_loss_zero, kernel->format) > kStep
                                 ? ulp(r.reference_loss_zero, kernel->format)
                                 : kStep;
      CHECK(std::abs(r.reference_loss_zero - *r.theory.onset) < spacing);
      // No collapse, or only on the last grid gap(s) before the reference's zero, where the
      // kernel's last rounding reaches 0 a step early.
      if (r.loss.from) CHECK(*r.loss.from >= r.reference_loss_zero - 2 * spacing);
      if (r.gradient.from) CHECK(*r.gradient.from >= r.reference_gradient_zero - 2 * spacing);
      CHECK(r.theory.plain_sum < r.reference_loss_zero);
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
  const Kernel kernel = fake_kernel("crashes", [](const KernelCall&) {
    throw KernelFailure("killed by signal 11 (SIGSEGV)");
  });
  const Result r = measure(kernel, 10, {});
  CHECK(r.failure == "killed by signal 11 (SIGSEGV)");
  CHECK_FALSE(r.loss.from);
}

TEST_CASE("measure refuses a non-cross-entropy kernel and fewer than two classes") {
  CHECK_THROWS_AS(measure(builtin("builtin/softmax/f32/online"), 10, {}), std::invalid_argument);
  CHECK_THROWS_AS(measure(builtin("builtin/cross_entropy/f32/online"), 1, {}),
                  std::invalid_argument);
}
