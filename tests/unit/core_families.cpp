// Input families: representable values, valid targets, determinism, budgets, and that each
// family contains what its description claims.
#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <set>

#include "core/families.hpp"
#include "test_seed.hpp"
#include "test_values.hpp"

using namespace softcheck;

using softcheck::test::kInf;

namespace {

std::vector<Batch> make(std::string_view family, Format f, Suite s = Suite::quick) {
  const Family* fam = find_family(family);
  REQUIRE(fam != nullptr);
  return fam->generate(f, s, family_seed(testing::seed(), family));
}

std::size_t elements(const std::vector<Batch>& batches) {
  std::size_t total = 0;
  for (const Batch& b : batches) total += b.values.size();
  return total;
}

// Bit patterns, so that NaN compares equal to NaN and -0 differs from +0.
std::vector<std::uint64_t> bits(const std::vector<Batch>& batches) {
  std::vector<std::uint64_t> out;
  for (const Batch& b : batches) {
    for (double x : b.values) out.push_back(std::bit_cast<std::uint64_t>(x));
    for (auto t : b.targets) out.push_back(static_cast<std::uint64_t>(t));
  }
  return out;
}

template <class Pred>
bool any_value(const std::vector<Batch>& batches, Pred pred) {
  for (const Batch& b : batches)
    if (std::any_of(b.values.begin(), b.values.end(), pred)) return true;
  return false;
}

bool is_subnormal(double x, Format f) {
  return x != 0.0 && std::fabs(x) < min_normal(f);
}

}  // namespace

TEST_CASE("suite names parse and print") {
  CHECK(parse_suite("quick") == Suite::quick);
  CHECK(parse_suite("default") == Suite::standard);
  CHECK(parse_suite("deep") == Suite::deep);
  CHECK_FALSE(parse_suite("standard").has_value());
  CHECK(name(Suite::standard) == "default");
}

TEST_CASE("family names are unique kebab-case and found by name") {
  std::set<std::string> names;
  for (const Family& f : families()) {
    CHECK(names.insert(f.name).second);
    CHECK_FALSE(f.description.empty());
    CHECK(std::all_of(f.name.begin(), f.name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    }));
    CHECK(find_family(f.name) == &f);
  }
  CHECK(families().size() >= 15);
  CHECK(find_family("no-such-family") == nullptr);
}

TEST_CASE("family seeds depend on the base seed and the family name only") {
  CHECK(family_seed(1, "ties") == family_seed(1, "ties"));
  CHECK(family_seed(1, "ties") != family_seed(2, "ties"));
  CHECK(family_seed(1, "ties") != family_seed(1, "masked"));
}

TEST_CASE("every family in every format: well-formed, representable, targets in range") {
  for (const Family& fam : families())
    for (Format f : kAllFormats) {
      INFO(fam.name << " " << name(f));
      const auto batches = fam.generate(f, Suite::quick, family_seed(testing::seed(), fam.name));
      REQUIRE_FALSE(batches.empty());
      for (const Batch& b : batches) {
        REQUIRE(b.format == f);
        REQUIRE(b.rows > 0);
        REQUIRE(b.n > 0);
        REQUIRE(b.values.size() == b.rows * b.n);
        REQUIRE(b.targets.size() == b.rows);
        for (double x : b.values) REQUIRE(is_representable(x, f));
        for (auto t : b.targets) REQUIRE((t >= 0 && static_cast<std::size_t>(t) < b.n));
      }
    }
}

TEST_CASE("families are deterministic in the seed") {
  for (const Family& fam : families())
    for (Format f : kAllFormats) {
      INFO(fam.name << " " << name(f));
      const auto seed = family_seed(testing::seed(), fam.name);
      CHECK(bits(fam.generate(f, Suite::quick, seed)) == bits(fam.generate(f, Suite::quick, seed)));
      CHECK(bits(fam.generate(f, Suite::quick, seed)) !=
            bits(fam.generate(f, Suite::quick, seed + 1)));
    }
}

// Elements per format before the positional families and common-offset (issue 20): quick
// 19 989, default 253 372. The default suite may grow by at most 1.5x; quick stays small.
constexpr std::size_t kQuickBudget = 25000;
constexpr std::size_t kDefaultBudget = 253372 * 3 / 2;

TEST_CASE("suite sizes stay within the gate's budget") {
  for (Format f : kAllFormats) {
    std::size_t quick = 0, standard = 0;
    for (const Family& fam : families()) {
      const auto q = elements(fam.generate(f, Suite::quick, 1));
      const auto d = elements(fam.generate(f, Suite::standard, 1));
      std::printf("%-22s %-4s quick %7zu  default %7zu\n", fam.name.c_str(), name(f).data(), q, d);
      quick += q;
      standard += d;
    }
    std::printf("%-22s %-4s quick %7zu  default %7zu\n", "total", name(f).data(), quick, standard);
    CHECK(quick <= kQuickBudget);
    CHECK(standard <= kDefaultBudget);
    CHECK(standard >= 5 * quick);
  }
}

TEST_CASE("long-rows grows its row length with the suite") {
  CHECK(make("long-rows", Format::f32, Suite::quick).at(0).n == 4096);
  CHECK(make("long-rows", Format::f32, Suite::standard).at(0).n == 65536);
}

TEST_CASE("tile-lengths covers every n from 1 to 33") {
  std::set<std::size_t> lengths;
  for (const Batch& b : make("tile-lengths", Format::f32)) lengths.insert(b.n);
  CHECK(lengths.size() == 33);
  CHECK(*lengths.begin() == 1);
  CHECK(*lengths.rbegin() == 33);
}

TEST_CASE("uniform-90-100 overflows exp in f32, bf16 and f16") {
  for (Format f : {Format::f32, Format::bf16})
    for (const Batch& b : make("uniform-90-100", f))
      for (double x : b.values) {
        REQUIRE((x >= 90.0 && x <= 100.0));
        REQUIRE(std::isinf(std::exp(static_cast<float>(x))));
      }
  for (const Batch& b : make("uniform-90-100", Format::f16))
    for (double x : b.values) {
      REQUIRE((x >= 15.0 && x <= 20.0));
      REQUIRE(std::isinf(round_to_format(std::exp(x), Format::f16)));
    }
}

TEST_CASE("special-values has NaN, +-inf, +-0, subnormals and +-max_finite") {
  for (Format f : kAllFormats) {
    INFO(name(f));
    const auto b = make("special-values", f);
    CHECK(any_value(b, [](double x) { return std::isnan(x); }));
    CHECK(any_value(b, [](double x) { return x == kInf; }));
    CHECK(any_value(b, [](double x) { return x == -kInf; }));
    CHECK(any_value(b, [](double x) { return x == 0.0 && std::signbit(x); }));
    CHECK(any_value(b, [f](double x) { return is_subnormal(x, f) && x > 0; }));
    CHECK(any_value(b, [f](double x) { return is_subnormal(x, f) && x < 0; }));
    CHECK(any_value(b, [f](double x) { return x == max_finite(f); }));
    CHECK(any_value(b, [f](double x) { return x == -max_finite(f); }));
    // Rows with a single NaN and nothing else special, and an all -inf row.
    bool single_nan = false, all_minus_inf = false;
    for (const Batch& batch : b)
      for (std::size_t r = 0; r < batch.rows; ++r) {
        const auto row = batch.row(r);
        const auto nans =
            std::count_if(row.begin(), row.end(), [](double x) { return std::isnan(x); });
        const auto finite =
            std::count_if(row.begin(), row.end(), [](double x) { return std::isfinite(x); });
        single_nan |= nans == 1 && finite + 1 == static_cast<long>(row.size()) && row.size() > 1;
        all_minus_inf |= std::all_of(row.begin(), row.end(), [](double x) { return x == -kInf; });
      }
    CHECK(single_nan);
    CHECK(all_minus_inf);
  }
}

TEST_CASE("masked has fully masked rows, masked targets and one-hot rows") {
  for (Format f : kAllFormats) {
    INFO(name(f));
    bool fully = false, target_masked = false, all_but_one = false;
    for (const Batch& b : make("masked", f))
      for (std::size_t r = 0; r < b.rows; ++r) {
        const auto row = b.row(r);
        const auto masks = std::count(row.begin(), row.end(), -kInf);
        fully |= masks == static_cast<long>(b.n);
        all_but_one |= masks + 1 == static_cast<long>(b.n);
        target_masked |= masks < static_cast<long>(b.n) && row[b.targets[r]] == -kInf;
        for (double x : row) REQUIRE((x == -kInf || std::isfinite(x)));
      }
    CHECK(fully);
    CHECK(target_masked);
    CHECK(all_but_one);
  }
}

TEST_CASE("lowest-fill-tied-max: lowest value, 1-3 tied maxima, odd rows negated") {
  for (Format f : kAllFormats) {
    INFO(name(f));
    const double base = f == Format::f16 ? 8.0 : 88.0;
    for (const Batch& b : make("lowest-fill-tied-max", f)) {
      REQUIRE(b.rows % 2 == 0);
      for (std::size_t r = 0; r < b.rows; ++r) {
        const double sign = r % 2 ? -1.0 : 1.0;
        const auto row = b.row(r);
        const double top =
            sign * *std::max_element(row.begin(), row.end(),
                                     [sign](double a, double c) { return sign * a < sign * c; });
        CHECK((top == base || top == base + 1 || top == base + 2));
        const auto ties = std::count(row.begin(), row.end(), sign * top);
        CHECK((ties >= 1 && ties <= 3));
        CHECK(std::count(row.begin(), row.end(), -sign * max_finite(f)) + ties ==
              static_cast<long>(b.n));
      }
    }
  }
}

TEST_CASE("exp-overflow-edge sits on both sides of ln(max_finite), with zeros") {
  for (Format f : kAllFormats) {
    INFO(name(f));
    const double t = std::log(max_finite(f));
    const auto b = make("exp-overflow-edge", f);
    CHECK(any_value(b, [&](double x) { return x > t && x - t <= 4.5 * ulp(t, f); }));
    CHECK(any_value(b, [&](double x) { return x < t && t - x <= 4.5 * ulp(t, f); }));
    CHECK(any_value(
        b, [&](double x) { return x < -t + 4.5 * ulp(t, f) && x > -t - 4.5 * ulp(t, f); }));
    CHECK(any_value(b, [](double x) { return x == 0.0; }));
  }
}

TEST_CASE("exp-underflow-edge sits at the subnormal and underflow thresholds") {
  for (Format f : kAllFormats) {
    INFO(name(f));
    const auto b = make("exp-underflow-edge", f);
    for (double edge : {std::log(min_normal(f)), std::log(denorm_min(f)) - std::numbers::ln2}) {
      CHECK(any_value(b, [&](double x) { return x < edge && edge - x <= 4.5 * ulp(edge, f); }));
      CHECK(any_value(b, [&](double x) { return x > edge && x - edge <= 4.5 * ulp(edge, f); }));
    }
    for (const Batch& batch : b)
      for (std::size_t r = 0; r < batch.rows; ++r) {
        const auto row = batch.row(r);
        REQUIRE(*std::max_element(row.begin(), row.end()) == 0.0);
      }
  }
}

TEST_CASE("alternating-sign rows alternate in sign") {
  for (Format f : kAllFormats)
    for (const Batch& b : make("alternating-sign", f))
      for (std::size_t r = 0; r < b.rows; ++r)
        for (std::size_t c = 1; c < b.n; ++c)
          REQUIRE(std::signbit(b.row(r)[c]) != std::signbit(b.row(r)[c - 1]));
}

TEST_CASE("confident rows: the target beats every other logit by 10, 20 or 40") {
  for (Format f : kAllFormats) {
    INFO(name(f));
    std::set<int> margins;
    for (const Batch& b : make("confident", f))
      for (std::size_t r = 0; r < b.rows; ++r) {
        const auto row = b.row(r);
        const auto y = static_cast<std::size_t>(b.targets[r]);
        double others = -kInf;
        for (std::size_t c = 0; c < b.n; ++c)
          if (c != y) others = std::max(others, row[c]);
        const double margin = row[y] - others;
        REQUIRE(margin > 9.5);
        margins.insert(static_cast<int>(std::lround(margin / 10.0)));
      }
    CHECK(margins == std::set<int>{1, 2, 4});
  }
}

TEST_CASE("ties rows are constant") {
  for (Format f : kAllFormats)
    for (const Batch& b : make("ties", f))
      for (std::size_t r = 0; r < b.rows; ++r) {
        const auto row = b.row(r);
        REQUIRE(std::all_of(row.begin(), row.end(), [&](double x) { return x == row[0]; }));
      }
}

TEST_CASE("normal families have the advertised spread") {
  for (auto [family, sigma] :
       {std::pair{"normal-s1", 1.0}, {"normal-s30", 30.0}, {"normal-s1000", 1000.0}}) {
    INFO(family);
    double sum2 = 0.0;
    std::size_t count = 0;
    for (const Batch& b : make(family, Format::f64))
      for (double x : b.values) sum2 += x * x, ++count;
    const double estimate = std::sqrt(sum2 / static_cast<double>(count));
    CHECK(estimate > 0.8 * sigma);
    CHECK(estimate < 1.2 * sigma);
  }
}
