// The exhaustive sweep (checks/exhaustive.hpp): the distance of an exact value from the
// format's rounding boundaries, the shard names, and the one-element shard through the gate's
// checks (a correctly rounding kernel passes every row; a planted bug, 0.5 for every
// one-element softmax, fails every finite one).
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "checks/exhaustive.hpp"
#include "checks/gate_merge.hpp"
#include "core/rng.hpp"
#include "test_values.hpp"

using namespace softcheck;
using softcheck::test::kInf;

TEST_CASE("midpoint distance: ulps from the nearest midpoint of the format's grid") {
  const double ulp = 0x1p-7;  // bf16 at [1, 2)
  CHECK(*midpoint_distance(1 + ulp / 2, 0.0, Format::bf16) == 0.0);
  CHECK(*midpoint_distance(1 + ulp / 4, 0.0, Format::bf16) == 0.25);
  CHECK(*midpoint_distance(-(1 + ulp / 4), 0.0, Format::bf16) == 0.25);
  CHECK(*midpoint_distance(1 + 3 * ulp / 4, 0.0, Format::bf16) == 0.25);
  // The low part moves the value: just above the midpoint by 2^-20 ulp.
  CHECK(*midpoint_distance(1 + ulp / 2, ulp * 0x1p-20, Format::bf16) == 0x1p-20);
  CHECK(*midpoint_distance(-(1 + ulp / 2), -ulp * 0x1p-20, Format::bf16) == 0x1p-20);
  CHECK_FALSE(midpoint_distance(1.0, 0.0, Format::bf16).has_value());  // on the grid
  CHECK_FALSE(midpoint_distance(HUGE_VAL, 0.0, Format::bf16).has_value());
  CHECK_FALSE(midpoint_distance(0x1p200, 0.0, Format::bf16).has_value());  // past the format
  CHECK(midpoint_distance(1 + 0x1p-12, 0.0, Format::f16).has_value());
}

TEST_CASE("exhaustive shard names round trip") {
  CHECK(exhaustive_shard_name(0) == "pairs-0x00");
  CHECK(exhaustive_shard_name(0x3f) == "pairs-0x3f");
  CHECK(exhaustive_shard_name(kSinglesShard) == "singles");
  for (std::size_t i = 0; i <= kSinglesShard; ++i) CHECK(parse_exhaustive_shard(exhaustive_shard_name(i)) == i);
  CHECK_FALSE(parse_exhaustive_shard("pairs-0x100").has_value());
}

TEST_CASE("keep_hardest keeps the smallest distances per call, ties by the output") {
  std::vector<HardCase> cases;
  for (double d : {0.3, 0.1, 0.2, 0.1}) cases.push_back({"softmax", {}, 0, cases.size(), 0, 0, 0, d});
  keep_hardest(cases, 2);
  REQUIRE(cases.size() == 2);
  CHECK(cases[0].element == 1);
  CHECK(cases[1].element == 3);
  // The same output twice counts once.
  std::vector<HardCase> twice(2, HardCase{"softmax", {1, 2}, 0, 0, 0, 0, 0, 0.1});
  twice.push_back({"softmax", {1, 3}, 0, 0, 0, 0, 0, 0.2});
  keep_hardest(twice, 2);
  REQUIRE(twice.size() == 2);
  CHECK(twice[1].logits == std::vector<std::uint16_t>{1, 3});
}

TEST_CASE("a pairs shard meets each of its 2^24 rows once, in a scrambled order") {
  std::vector<bool> seen(std::size_t{1} << 24);
  std::size_t repeats = 0;
  for (std::size_t b = 0; b < 256; ++b)
    for (std::size_t r = 0; r < kPatterns; ++r) {
      const auto [first, second] = exhaustive_pair(0x3c, b, r);
      REQUIRE((first >> 8) == 0x3c);
      const std::size_t row = (std::size_t{first & 0xFFu} << 16) | second;
      repeats += seen[row];
      seen[row] = true;
    }
  CHECK(repeats == 0);
  // The first batch already holds rows of every first logit of the shard (the bias check's
  // sample comes from the first batches met).
  std::vector<bool> first_logits(256);
  for (std::size_t r = 0; r < kPatterns; ++r) first_logits[exhaustive_pair(0x3c, 0, r).first & 0xFFu] = true;
  CHECK(std::count(first_logits.begin(), first_logits.end(), true) == 256);
}

TEST_CASE("the one-element shard through the gate's checks") {
  register_builtin_kernels(Registry::instance());
  const Kernel* good = Registry::instance().match("builtin/softmax/bf16/two-pass").front();
  const Kernel planted{Op::softmax, Format::bf16, "planted", "test", [](const KernelCall& call) {
                         auto* out = static_cast<std::uint16_t*>(call.out);
                         for (std::size_t r = 0; r < call.rows; ++r) out[r * call.stride] = 0x3F00;
                       }};
  ExhaustiveOptions options;
  options.threads = 2;
  const ExhaustiveShard shard =
      run_exhaustive_shard(kSinglesShard, {good, &planted}, ContractSet::builtin(), options);
  CHECK(shard.rows == kPatterns);
  REQUIRE(shard.kernels.size() == 2);
  CHECK(shard.kernels[0].rows == kPatterns);
  CHECK(shard.kernels[0].result.violations() == 0);
  CHECK(shard.kernels[0].result.checks.at(Check::special).elements > 0);  // NaN and inf patterns
  // Every finite row (65,536 less 2 infinities and 254 NaN patterns) is 64 ulps off.
  CHECK(shard.kernels[1].result.checks.at(Check::accuracy).violations == kPatterns - 256);
  // Every one-element softmax is exactly 1: no output lies near a rounding boundary.
  CHECK(shard.hardest.empty());
}

// The two target sides of a pairs shard are two gate passes; joined as one run, the bias
// check's union bound counts every family of the shard (here 3: the softmax kernel's and the
// cross-entropy kernel's with target 0, the cross-entropy kernel's with target 1), not each
// pass's own.
TEST_CASE("a shard's target passes join as one run: the bias test count is the shard's") {
  register_builtin_kernels(Registry::instance());
  const Kernel* softmax = Registry::instance().match("builtin/softmax/bf16/two-pass").front();
  const Kernel* loss =
      Registry::instance().match("builtin/cross_entropy/bf16/two-pass").front();
  BiasStats stats;
  stats.values = 1000;
  stats.rows = 1000;
  stats.error = {-10.0, 100.0};
  stats.excess = {-10.0, 10.0};
  const auto pass = [&](std::vector<const Kernel*> kernels, const std::string& family) {
    GateParts parts;
    for (std::size_t k = 0; k < kernels.size(); ++k) {
      KernelResult result;
      result.kernel = kernels[k];
      result.contract = ContractSet::builtin().resolve(kernels[k]->name());
      result.baseline = result.contract;
      parts.kernels.push_back(result);
      result.bias.push_back({family, stats});
      parts.parts.push_back({k, 0, result});
    }
    return parts;
  };
  GateParts shard;
  add_target_pass(shard, pass({softmax, loss}, "target-0"), 0);
  add_target_pass(shard, pass({loss}, "target-1"), 1);
  const GateResult run = join_gate_parts(shard, 3);
  REQUIRE(run.kernels.size() == 2);
  REQUIRE(run.kernels[1].bias.size() == 2);
  CHECK(run.kernels[1].bias[0].family == "target-0");
  const FamilyBias& second = run.kernels[1].bias[1];
  CHECK(second.family == "target-1");
  const BiasThresholds expected = bias_thresholds(stats, 3, run.kernels[1].contract);
  CHECK(second.thresholds.error == expected.error);
  CHECK(second.thresholds.excess == expected.excess);
  CHECK_THROWS_AS(add_target_pass(shard, pass({&*Registry::instance().match(
                                                  "builtin/softmax/f32/two-pass").front()}, "x"), 1),
                  std::logic_error);
}

// The collector's bit test never skips an output that midpoint_distance would keep: for
// values across the format's binades, within a few double ulps of midpoints and of grid
// points and at random, with lo anywhere in half an ulp of hi, whenever the test answers
// false the distance is nothing or at least the bar.
TEST_CASE("may_be_near_midpoint is false only where the distance reaches the bar") {
  Rng rng(20261207);
  std::size_t skipped = 0, near_bar = 0;
  for (const Format f : {Format::bf16, Format::f16}) {
    const FormatTraits t = traits(f);
    for (int trial = 0; trial < 200000; ++trial) {
      const int exponent = t.min_exponent - 3 +
                           static_cast<int>(rng.uniform() * (t.max_exponent - t.min_exponent + 6));
      const double quantum = std::ldexp(1.0, exponent - (t.precision - 1));
      const double grid = std::ldexp(1.0, exponent) + quantum * std::floor(rng.uniform() * 64);
      double hi = grid;
      switch (trial % 3) {
        case 0: hi = grid + quantum / 2; break;  // a midpoint
        case 1: break;                            // a grid point
        default: hi = grid + quantum * rng.uniform(); break;
      }
      const int nudge = static_cast<int>(rng.uniform() * 9) - 4;  // a few double ulps off
      for (int i = 0; i < std::abs(nudge); ++i) hi = std::nextafter(hi, nudge > 0 ? kInf : 0.0);
      if (rng.uniform() < 0.5) hi = -hi;
      const double half_ulp = std::ldexp(1.0, std::ilogb(hi) - 53);
      const double lo = (2 * rng.uniform() - 1) * half_ulp;
      const double bar = std::ldexp(1.0, -static_cast<int>(rng.uniform() * 60)) * rng.uniform();
      if (may_be_near_midpoint(hi, bar, f)) continue;
      ++skipped;
      const auto distance = midpoint_distance(hi, lo, f);
      if (!distance) continue;
      REQUIRE(*distance >= bar);
      if (*distance < 2 * bar) ++near_bar;
    }
  }
  CHECK(skipped > 100000);  // the test skips most values, so it is exercised
  CHECK(near_bar > 1000);   // ... and tightly: many skipped distances lie within 2x the bar
}
