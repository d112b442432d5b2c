// The shard plan (checks/shard_plan.hpp): every (unit, kernel) in exactly one shard, the same
// plan every time, heavy units split by kernels, loads balanced by the
// longest-processing-time rule; and "K/N" parsed strictly.
#include <catch2/catch.hpp>
#include <numeric>

#include "checks/shard_plan.hpp"

using namespace softcheck;

namespace {

// `units` units of `kernels` kernels each, unit u's kernels checking (u + 1) * 100 elements.
std::vector<UnitWork> uneven_units(std::size_t units, std::size_t kernels) {
  std::vector<UnitWork> work(units);
  for (std::size_t u = 0; u < units; ++u) {
    work[u].kernel_elements.assign(kernels, (u + 1) * 100);
    work[u].reference_elements = (u + 1) * 100;
  }
  return work;
}

}  // namespace

TEST_CASE("shard text: K/N with 1 <= K <= N") {
  CHECK(parse_shard("1/1") == ShardSpec{0, 1});
  CHECK(parse_shard("3/7") == ShardSpec{2, 7});
  for (const char* bad : {"0/3", "4/3", "1/0", "", "/", "1/", "/3", "a/3", "1/3/2", "-1/3", " 1/3"})
    CHECK_FALSE(parse_shard(bad).has_value());
  CHECK(shard_text({2, 7}) == "3/7");
}

TEST_CASE("shard plan: every kernel of every unit in one shard, loads adding to the whole") {
  const auto work = uneven_units(10, 4);
  for (std::size_t count : {1u, 2u, 3u, 7u, 50u}) {
    const ShardPlan plan = plan_shards(work, count);
    REQUIRE(plan.load.size() == count);
    REQUIRE(plan.owner.size() == work.size());
    double checks = 0;
    for (std::size_t u = 0; u < work.size(); ++u)
      for (std::size_t k = 0; k < 4; ++k) {
        CHECK(plan.owner[u][k] < count);
        checks += static_cast<double>(work[u].kernel_elements[k]);
      }
    const double total = std::accumulate(plan.load.begin(), plan.load.end(), 0.0);
    CHECK(total >= checks);  // references counted once per block, at least once per unit
    const ShardPlan again = plan_shards(work, count);
    CHECK(again.owner == plan.owner);
  }
}

TEST_CASE("shard plan: units kept whole while they fit, balanced within the largest block") {
  const auto work = uneven_units(12, 2);  // weights 4 x 100 .. 4 x 1200: total 31200
  const ShardPlan plan = plan_shards(work, 3);
  for (std::size_t u = 0; u < work.size(); ++u) CHECK(plan.owner[u][0] == plan.owner[u][1]);
  const auto [low, high] = std::minmax_element(plan.load.begin(), plan.load.end());
  CHECK(*high - *low <= 4 * 1200);
}

TEST_CASE("shard plan: a unit heavier than a shard's share is split by kernels") {
  std::vector<UnitWork> work(1);
  work[0].kernel_elements.assign(8, 1000);
  work[0].reference_elements = 100;
  const ShardPlan plan = plan_shards(work, 4);
  std::vector<std::size_t> per_shard(4, 0);
  for (std::size_t k = 0; k < 8; ++k) ++per_shard[plan.owner[0][k]];
  for (std::size_t s = 0; s < 4; ++s) CHECK(per_shard[s] == 2);
  // Contiguous chunks: kernels 0-1, 2-3, ... share a shard.
  for (std::size_t k = 0; k < 8; k += 2) CHECK(plan.owner[0][k] == plan.owner[0][k + 1]);
}

TEST_CASE("shard plan: kernels that do not run on a unit add no load") {
  std::vector<UnitWork> work(2);
  work[0].kernel_elements = {100, 0};
  work[0].reference_elements = 100;
  work[1].kernel_elements = {0, 0};
  const ShardPlan plan = plan_shards(work, 2);
  CHECK(plan.load[0] + plan.load[1] == Approx(100 + kReferenceWeight * 100));
  CHECK(plan.lightest() == 1);
}
