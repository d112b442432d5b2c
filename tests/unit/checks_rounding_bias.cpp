// The rounding-bias check (checks/rounding_bias.hpp, proofs/rounding-bias.md): signed errors in
// ulps, each distinct exact value counted once, rows as the independent units; the threshold
// formula and its minimum row count; a correctly rounding kernel is never flagged, even where
// its own errors lean; truncation is; and every built-in bf16 and f16 kernel passes the check
// on the default suite. (The truncating bf16 plugin and the planted biases that measure the
// smallest detectable bias: unit/adapters_plugin.cpp.)
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "checks/gate.hpp"
#include "checks/rounding_bias.hpp"
#include "core/rng.hpp"
#include "gate_test_support.hpp"
#include "test_seed.hpp"

using namespace softcheck;

namespace {

constexpr double kBf16UlpAtOne = 0x1p-7;  // bf16 spacing in [1, 2): 8 significant bits
const Measurement kWithinAllowance{Check::accuracy, 0.5, 1.0, true};

reference::Exact exact_bf16(double value) {
  return {round_to_format(value, Format::bf16), value, 0.0};
}

// A value of [1, 2) at a random odd multiple of 1/256 ulp past a bf16 number: never one, never
// a tie, positions symmetric about the midpoint.
double random_inexact(Rng& rng) {
  const double below = 1.0 + kBf16UlpAtOne * static_cast<double>(rng.below(128));
  return below + kBf16UlpAtOne * static_cast<double>(1 + 2 * rng.below(128)) / 256.0;
}

// A kernel's accumulator with its family's numbering, as the gate pairs them.
class NumberedAccumulator {
 public:
  void add(double got, const reference::Exact& exact, const Measurement& m) {
    accumulator_.add(got, exact, m, numbering_.number(exact));
  }
  void end_row() { accumulator_.end_row(); }
  BiasStats take() {
    numbering_ = BiasNumbering(Format::bf16);  // the next family's
    return accumulator_.take();
  }

 private:
  BiasNumbering numbering_{Format::bf16};
  BiasAccumulator accumulator_{Format::bf16};
};

// rows x per_row exact values in [1, 2), each row's outputs from `kernel(exact)`.
template <class Kernel>
BiasStats simulate(std::size_t rows, std::size_t per_row, Kernel kernel) {
  Rng rng(testing::seed());
  NumberedAccumulator accumulator;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t i = 0; i < per_row; ++i) {
      const reference::Exact exact = exact_bf16(random_inexact(rng));
      accumulator.add(kernel(exact, rng), exact, kWithinAllowance);
    }
    accumulator.end_row();
  }
  return accumulator.take();
}

double truncate_bf16(const reference::Exact& exact, Rng&) {
  return std::trunc(exact.exact_hi / kBf16UlpAtOne) * kBf16UlpAtOne;  // in [1, 2)
}

// Correct rounding, then one ulp up or down with equal probability 1/4 each: errors of up to
// 1.5 ulps that do not lean.
double symmetric_noise(const reference::Exact& exact, Rng& rng) {
  const double step = static_cast<double>(rng.below(4));  // 0, 1: stay; 2: down; 3: up
  return exact.rounded + (step == 2 ? -kBf16UlpAtOne : step == 3 ? kBf16UlpAtOne : 0.0);
}

}  // namespace

TEST_CASE("bias: signed errors are in ulps of the exact value, positive away from zero") {
  const double above_one = 1.0 + kBf16UlpAtOne / 4;
  CHECK(signed_error_ulps(1.0, exact_bf16(above_one), Format::bf16) == -0.25);
  CHECK(signed_error_ulps(-1.0, exact_bf16(-above_one), Format::bf16) == -0.25);  // toward zero
  CHECK(signed_error_ulps(1.0 + kBf16UlpAtOne, exact_bf16(above_one), Format::bf16) == 0.75);
  // exact = hi + lo: the low part counts (f64, where only lo says the value is not a double).
  const reference::Exact split{1.0, 1.0, 0x1p-54};
  CHECK(signed_error_ulps(1.0, split, Format::f64) == -0.25);
  CHECK(needs_rounding(split, Format::f64));
  CHECK_FALSE(needs_rounding(reference::Exact{1.0, 1.0, 0.0}, Format::f64));
  CHECK(needs_rounding(exact_bf16(above_one), Format::bf16));
  // A value within 2^-20 ulp of one the format holds counts as held (kNearlyExactUlps).
  CHECK_FALSE(needs_rounding(reference::Exact{1.0, 1.0, -0x1p-100}, Format::f32));
  CHECK_FALSE(needs_rounding(reference::Exact{1.0, 1.0, -0x1p-44}, Format::f32));
  CHECK(needs_rounding(reference::Exact{1.0, 1.0, -0x1p-42}, Format::f32));
}

TEST_CASE("bias: only values that need rounding count, each distinct exact value once") {
  NumberedAccumulator accumulator;
  const reference::Exact repeated = exact_bf16(1.0 + kBf16UlpAtOne / 4);
  for (int row = 0; row < 10; ++row) {  // a tied row repeated: one value, one row
    for (int i = 0; i < 5; ++i) accumulator.add(1.0, repeated, kWithinAllowance);
    accumulator.end_row();
  }
  accumulator.add(1.0, exact_bf16(1.0), kWithinAllowance);  // representable: nothing to round
  const reference::Exact other = exact_bf16(1.0 + 3 * kBf16UlpAtOne / 4);
  accumulator.add(1.0, other, {Check::subnormal, 0.5, 1.0, true});  // not an accuracy element
  accumulator.add(1.0, other, {Check::accuracy, 2.0, 1.0, false});  // beyond its allowance
  accumulator.end_row();
  const BiasStats stats = accumulator.take();
  CHECK(stats.values == 1);
  CHECK(stats.rows == 1);
  CHECK(stats.mean_error() == -0.25);
  CHECK(stats.mean_excess() == 0.0);  // 1.0 is the correctly rounded value
  CHECK(stats.away_fraction() == 0.0);
  CHECK(accumulator.take().values == 0);  // take() starts the next family
}

TEST_CASE("bias: values past the family's numbering are told apart by the accumulator") {
  // Values the first kernel failed on fill the numbering; a second kernel counts later values
  // (kUnnumbered) once each, as it counts numbered ones.
  BiasNumbering numbering(Format::f32);
  const auto value = [](std::size_t k) {
    const double x = 1.0 + 0x1p-23 * static_cast<double>(k);
    return reference::Exact{round_to_format(x + 0x1p-26, Format::f32), x + 0x1p-26, 0.0};
  };
  for (std::size_t k = 0; k < kMaxNumberedValues; ++k) REQUIRE(numbering.number(value(k)) == k);
  CHECK(numbering.number(value(kMaxNumberedValues)) == kUnnumbered);
  CHECK(numbering.number(value(7)) == 7);
  CHECK(numbering.number(reference::Exact{1.0, 1.0, 0.0}) == kNotCounted);
  BiasAccumulator accumulator(Format::f32);
  for (int repeat = 0; repeat < 3; ++repeat) {
    for (std::size_t k = kMaxNumberedValues; k < kMaxNumberedValues + 4; ++k)
      accumulator.add(value(k).rounded, value(k), kWithinAllowance, numbering.number(value(k)));
    accumulator.add(value(7).rounded, value(7), kWithinAllowance, numbering.number(value(7)));
    accumulator.end_row();
  }
  CHECK(accumulator.take().values == 5);
}

TEST_CASE("bias: thresholds are sqrt(2 ln(2 K / delta) sum of squared row sums) / N + max_bias") {
  NumberedAccumulator accumulator;
  // Row sums of errors: -0.25 - 0.25 = -0.5, then +0.75; excesses: 0, then +1.
  accumulator.add(1.0, exact_bf16(1.0 + kBf16UlpAtOne / 4), kWithinAllowance);
  accumulator.add(2.0, exact_bf16(2.0 + 2 * kBf16UlpAtOne / 4), kWithinAllowance);
  accumulator.end_row();
  accumulator.add(1.0 + kBf16UlpAtOne, exact_bf16(1.0 + kBf16UlpAtOne / 4 + 0x1p-20),
                  kWithinAllowance);
  const BiasStats stats = accumulator.take();
  REQUIRE(stats.values == 3);
  REQUIRE(stats.rows == 2);
  constexpr std::size_t kTests = 1000;
  Contract contract;
  contract.max_bias_ulp = 0.125;
  const double factor = std::sqrt(2.0 * std::log(2.0 * kTests / kBiasFalseAlarm));
  const BiasThresholds t = bias_thresholds(stats, kTests, contract);
  CHECK(t.error == Approx(factor * std::sqrt(0.25 + 0.75 * 0.75) / 3 + 0.125).epsilon(1e-3));
  CHECK(t.excess == Approx(factor * 1.0 / 3 + 0.125).epsilon(1e-12));
}

TEST_CASE("bias: below kMinBiasRows rows no test could flag, so none is made") {
  // The strongest lean: one value per row, each off by the same amount in the same direction
  // (-1.75 ulps). The statistic is sqrt(rows): with 29 it stays below the threshold of a run of
  // one test, with 30 it exceeds it.
  for (const std::size_t rows : {kMinBiasRows - 1, kMinBiasRows}) {
    NumberedAccumulator accumulator;
    for (std::size_t r = 0; r < rows; ++r) {
      const double exact = 1.0 + kBf16UlpAtOne * (static_cast<double>(r) + 0.75);
      accumulator.add(exact - 1.75 * kBf16UlpAtOne, exact_bf16(exact), kWithinAllowance);
      accumulator.end_row();
    }
    const BiasStats stats = accumulator.take();
    INFO(rows << " rows");
    CHECK(stats.tested() == (rows >= kMinBiasRows));
    CHECK(measure_bias(stats, 1, Contract{}).pass == (rows < kMinBiasRows));
  }
}

TEST_CASE("bias: a correctly rounding kernel is never flagged, even where its errors lean") {
  // Exact values a quarter ulp above bf16 numbers: rounding to nearest goes down every time,
  // a lean of -1/4 ulp that is the family's, not the kernel's (excess 0).
  NumberedAccumulator accumulator;
  for (int r = 0; r < 1000; ++r) {
    const double position = (r % 128) + 0.25 + r * 0x1p-20;  // distinct values
    const reference::Exact exact = exact_bf16(1.0 + kBf16UlpAtOne * position);
    accumulator.add(exact.rounded, exact, kWithinAllowance);
    accumulator.end_row();
  }
  const BiasStats stats = accumulator.take();
  REQUIRE(stats.tested());
  CHECK(stats.mean_error() == Approx(-0.25).margin(0.01));
  const Measurement m = measure_bias(stats, 1, Contract{});
  CHECK(m.pass);
  CHECK(m.error == 0.0);
}

TEST_CASE("bias: truncation is flagged; errors that do not lean are not") {
  constexpr std::size_t kRows = 200, kPerRow = 10, kTests = 5000;
  const BiasStats truncated = simulate(kRows, kPerRow, truncate_bf16);
  CHECK(truncated.mean_error() == Approx(-0.5).margin(0.05));
  CHECK(truncated.away_fraction() == 0.0);
  const Measurement flagged = measure_bias(truncated, kTests, Contract{});
  CHECK_FALSE(flagged.pass);
  CHECK(flagged.check == Check::bias);
  Contract declared;
  declared.max_bias_ulp = 0.5;  // a declared lean of half an ulp covers it
  CHECK(measure_bias(truncated, kTests, declared).pass);

  const BiasStats noisy = simulate(kRows, kPerRow, symmetric_noise);
  CHECK(noisy.away_fraction() == Approx(0.5).margin(0.1));
  CHECK(measure_bias(noisy, kTests, Contract{}).pass);
}

TEST_CASE("every built-in bf16 and f16 kernel passes the bias check on the default suite") {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  std::vector<const Kernel*> kernels;
  for (const char* glob : {"builtin/*/bf16/*", "builtin/*/f16/*"})
    for (const Kernel* k : registry.match(glob))
      if (!in_family(k->op, "backward")) kernels.push_back(k);  // bounded, no bias check
  REQUIRE(kernels.size() > 40);
  GateOptions options = testing::quick_gate_options();
  options.suite = Suite::standard;
  const GateResult result = run_gate(kernels, ContractSet::builtin(), options);
  for (const KernelResult& k : result.kernels) {
    INFO(k.kernel->name());
    const CheckStats& bias = k.checks.at(Check::bias);
    CHECK(bias.elements >= 10);  // families tested
    CHECK(bias.violations == 0);
    CHECK(bias.elements == k.bias.size());
  }
}
