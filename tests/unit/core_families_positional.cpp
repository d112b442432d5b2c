// The positional families (max-position, min-position, tie-position, block-edge-max) and
// common-offset: lengths, positions, gaps and offsets as docs/input-families.md states them,
// finite and representable in every format and suite.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <span>
#include <vector>

#include "core/families.hpp"
#include "test_seed.hpp"

using namespace softcheck;

namespace {

constexpr std::size_t kPastTwoVectors = 33;  // 2 * 16 + 1: every position in default
constexpr std::size_t kPastTwoBlocks = 129;  // 2 * 64 + 1: every length in default
constexpr double kGaps[] = {10.0, 90.0, 1000.0};
constexpr std::size_t kBlockWidths[] = {16, 32, 64, 256};
constexpr double kOffsets[] = {1e4, -1e4, 3e4, -3e4};
constexpr double kOffsetSpread = 30.0;  // N(0, 3^2): ten standard deviations

const char* const kNewFamilies[] = {"max-position", "min-position", "tie-position",
                                    "block-edge-max", "common-offset"};

std::vector<Batch> positional_batches(std::string_view family, Format f, Suite s) {
  const Family* fam = find_family(family);
  REQUIRE(fam != nullptr);
  return fam->generate(f, s, family_seed(testing::seed(), family));
}

std::size_t argmax(std::span<const double> row) {
  return static_cast<std::size_t>(std::max_element(row.begin(), row.end()) - row.begin());
}

// What lies below a positional row's maximum: its gap (10, 90, 1000) or 0 for lowest fill.
double fill_of(std::span<const double> row, Format f) {
  const double top = row[argmax(row)];
  double second = -max_finite(f);
  for (double x : row)
    if (x != top) second = std::max(second, x);
  if (second == -max_finite(f)) return 0.0;
  const double gap = top - second;
  for (double g : kGaps)
    if (std::fabs(gap - g) <= 1.0 + ulp(second, f)) return g;
  FAIL("gap " << gap << " below the maximum " << top);
  return -1.0;
}

// The first and last element of every block of `width` in a row of n.
std::set<std::size_t> block_edges(std::size_t n, std::size_t width) {
  std::set<std::size_t> edges;
  for (std::size_t start = 0; start < n; start += width) {
    edges.insert(start);
    edges.insert(std::min(start + width, n) - 1);
  }
  return edges;
}

}  // namespace

TEST_CASE("the new families are finite and representable in every format and suite") {
  for (const char* family : kNewFamilies)
    for (Format f : kAllFormats)
      for (Suite s : {Suite::quick, Suite::standard}) {
        INFO(family << " " << name(f) << " " << name(s));
        for (const Batch& b : positional_batches(family, f, s))
          for (double x : b.values) REQUIRE((std::isfinite(x) && is_representable(x, f)));
      }
}

TEST_CASE("max-position: every position while n <= 33, tail first, one maximum above the rest") {
  for (Format f : kAllFormats) {
    INFO(name(f));
    std::set<std::size_t> lengths;
    std::set<double> fills;
    for (const Batch& b : positional_batches("max-position", f, Suite::standard)) {
      lengths.insert(b.n);
      REQUIRE(argmax(b.row(0)) == b.n - 1);  // the tail first
      if (b.n <= kPastTwoVectors) REQUIRE(b.rows == b.n);
      for (std::size_t r = 0; r < b.rows; ++r) {
        const auto row = b.row(r);
        if (b.n <= kPastTwoVectors) REQUIRE(argmax(row) == b.n - 1 - r);
        REQUIRE(std::count(row.begin(), row.end(), row[argmax(row)]) == 1);
        if (b.n > 1) fills.insert(fill_of(row, f));
      }
    }
    CHECK(lengths.size() == kPastTwoBlocks);
    CHECK(*lengths.rbegin() == kPastTwoBlocks);
    CHECK(fills == std::set<double>{0.0, 10.0, 90.0, 1000.0});
  }
}

TEST_CASE("max-position: quick stops at 33, deep adds every multiple of 4 up to 1024, +-1") {
  std::set<std::size_t> quick, deep;
  for (const Batch& b : positional_batches("max-position", Format::f32, Suite::quick)) quick.insert(b.n);
  for (const Batch& b : positional_batches("max-position", Format::f32, Suite::deep)) deep.insert(b.n);
  CHECK(*quick.rbegin() == kPastTwoVectors);
  CHECK(quick.size() == kPastTwoVectors);
  for (std::size_t m : {256, 512, 1000, 1024})
    for (std::size_t n : {m - 1, m, m + 1}) CHECK(deep.count(n) == 1);
  CHECK(deep.count(kPastTwoBlocks + 1) == 0);  // 130: neither a multiple of 4 nor next to one
  CHECK(*deep.rbegin() == 1025);
}

TEST_CASE("min-position rows are max-position rows negated") {
  const std::uint64_t seed = testing::seed();
  for (Format f : kAllFormats) {
    const auto max_rows = find_family("max-position")->generate(f, Suite::standard, seed);
    const auto min_rows = find_family("min-position")->generate(f, Suite::standard, seed);
    REQUIRE(max_rows.size() == min_rows.size());
    for (std::size_t i = 0; i < max_rows.size(); ++i) {
      REQUIRE(max_rows[i].values.size() == min_rows[i].values.size());
      for (std::size_t k = 0; k < max_rows[i].values.size(); ++k)
        REQUIRE(min_rows[i].values[k] == -max_rows[i].values[k]);
    }
  }
}

TEST_CASE("tie-position: the maximum twice, at a position and its mirror") {
  for (Format f : kAllFormats)
    for (const Batch& b : positional_batches("tie-position", f, Suite::standard)) {
      if (b.n < 2) continue;
      for (std::size_t r = 0; r < b.rows; ++r) {
        const auto row = b.row(r);
        const double top = row[argmax(row)];
        std::vector<std::size_t> at;
        for (std::size_t c = 0; c < b.n; ++c)
          if (row[c] == top) at.push_back(c);
        INFO(name(f) << " n = " << b.n << " row " << r);
        REQUIRE(at.size() == 2);
        const bool mirrored = at[0] + at[1] == b.n - 1;
        const bool middle_and_first = at[0] == 0 && 2 * at[1] == b.n - 1;
        CHECK((mirrored || middle_and_first));
      }
    }
}

TEST_CASE("block-edge-max: the maximum at both edges of every 16-, 32-, 64- and 256-wide block") {
  for (Format f : kAllFormats) {
    INFO(name(f));
    const auto batches = positional_batches("block-edge-max", f, Suite::standard);
    REQUIRE(batches.size() == 2 * std::size(kBlockWidths));
    for (std::size_t i = 0; i < batches.size(); ++i) {
      const Batch& b = batches[i];
      const std::size_t width = kBlockWidths[i / 2];
      CHECK(b.n == (i % 2 == 0 ? 2 * width + 1 : 3 * width - 1));
      std::set<std::size_t> at;
      for (std::size_t r = 0; r < b.rows; ++r) at.insert(argmax(b.row(r)));
      CHECK(at == block_edges(b.n, width));
    }
    for (const Batch& b : positional_batches("block-edge-max", f, Suite::quick)) {
      REQUIRE(b.rows == 1);
      CHECK(argmax(b.row(0)) == b.n - 1);  // alone in the partial block
    }
  }
}

TEST_CASE("common-offset: N(0, 3^2) rows around +-1e4 and +-3e4 in every format") {
  for (Format f : kAllFormats) {
    INFO(name(f));
    std::set<double> seen;
    for (const Batch& b : positional_batches("common-offset", f, Suite::standard))
      for (std::size_t r = 0; r < b.rows; ++r) {
        const auto row = b.row(r);
        const double offset = kOffsets[r % std::size(kOffsets)];
        for (double x : row) REQUIRE(std::fabs(x - offset) <= kOffsetSpread + ulp(offset, f));
        seen.insert(offset);
      }
    CHECK(seen.size() == std::size(kOffsets));
  }
}
