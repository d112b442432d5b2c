// The ranking check's row plan (checks/behaviour_checks.hpp, plan_ranking) against the
// quadratic definition: order lists the elements by e_i + a_i, and below[j] counts the i with
// e_i + a_i < e_j - a_j, both in the wide (long double) arithmetic of the check, on rows
// with many ties and with exact values that differ only below double's precision (where the
// plan's double keys tie and the wide values decide).
#include <catch2/catch.hpp>
#include <algorithm>
#include <vector>

#include "checks/behaviour_checks.hpp"
#include "checks/contract.hpp"
#include "core/rng.hpp"
#include "test_seed.hpp"

using namespace softcheck;

TEST_CASE("ranking plan: order and below agree with the quadratic definition") {
  Rng rng(testing::seed());
  Contract contract;
  contract.max_ulp = 1.0;
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t n = 2 + rng.below(trial < 100 ? 12 : 300);
    Batch batch;
    batch.format = Format::f32;
    batch.rows = 1;
    batch.n = n;
    batch.targets = {0};
    std::vector<reference::Exact> exact(n);
    for (std::size_t i = 0; i < n; ++i) {
      batch.values.push_back(-static_cast<double>(rng.below(8)));
      // Few distinct values a few f32 ulps apart, each with a remainder far below a double's
      // last bit (or none): uppers tie in double and differ in long double.
      const double hi = 0.25 + 0x1p-25 * static_cast<double>(rng.below(6));
      const double lo = rng.below(3) == 0 ? 0.0 : 0x1p-62 * (static_cast<double>(rng.below(5)) - 2);
      exact[i] = {round_to_format(hi, Format::f32), hi, lo};
    }
    const RankingPlans plans = plan_ranking(batch, 0, exact, contract);
    const RankingPlan plan = plans[0];
    REQUIRE(plan.applicable);
    std::vector<long double> upper(n), lower(n);
    for (std::size_t i = 0; i < n; ++i) {
      upper[i] = plan.values[i] + plan.allowances[i];
      lower[i] = plan.values[i] - plan.allowances[i];
    }
    INFO("trial " << trial << ", n " << n);
    for (std::size_t k = 1; k < n; ++k) CHECK_FALSE(upper[plan.order[k]] < upper[plan.order[k - 1]]);
    for (std::size_t j = 0; j < n; ++j) {
      const auto count = static_cast<std::uint32_t>(
          std::count_if(upper.begin(), upper.end(), [&](long double u) { return u < lower[j]; }));
      CHECK(plan.below[j] == count);
    }
  }
}

TEST_CASE("a row other than the batch's first is planned alone, as in a batch too large to plan ahead") {
  Contract contract;
  contract.max_ulp = 1.0;
  Batch batch;
  batch.format = Format::f32;
  batch.rows = 3;
  batch.n = 2;
  batch.targets = {0, 0, 0};
  batch.values = {0.0, -1.0, 0.0, -2.0, 0.0, -3.0};
  const std::vector<reference::Exact> exact{{0.75, 0.75, 0.0}, {0.25, 0.25, 0.0}};
  const RankingPlans plans = plan_ranking(batch, 2, exact, contract);
  const RankingPlan plan = plans[0];
  REQUIRE(plan.applicable);
  CHECK(plan.order[0] == 1);
  CHECK(plan.below[0] == 1);
  const auto reversed = check_ranking(batch, 2, std::vector{0.25, 0.75}, exact, contract);
  REQUIRE(reversed);
  CHECK_FALSE(reversed->measurement.pass);
  CHECK(reversed->row == 2);
  const std::vector<reference::Exact> gradient{{-0.75, -0.75, 0.0}, {0.75, 0.75, 0.0}};
  const auto flipped = check_descent(batch, 2, std::vector{0.75, -0.75}, gradient, contract);
  REQUIRE(flipped);
  CHECK_FALSE(flipped->measurement.pass);
}
