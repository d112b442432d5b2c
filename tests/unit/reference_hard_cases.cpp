// Hard rounding cases: rows whose exact softmax or logsumexp lies within a tiny fraction of
// an ulp of a rounding midpoint of the format, found by search. The reference must agree
// with a plain 2000-bit evaluation on them, also when started at a working precision too
// low to decide them (so that Ziv's loop has to raise it).
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/format.hpp"
#include "core/rng.hpp"
#include "reference/reference.hpp"
#include "reference_oracle.hpp"
#include "test_seed.hpp"

using namespace softcheck;
using reference::evaluate_row;
using reference::Exact;
using reference::RowReference;

namespace {

constexpr long kOracleBits = 2000;
constexpr std::size_t kWanted = 6;  // hard rows per format

bool identical_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// Distance, in ulps of f, from v to the nearest midpoint between two values of f.
double ulps_from_midpoint(double v, double error, Format f) {
  const double u = ulp(v, f);
  const double q = std::fabs(v) / u;
  return std::fabs(q - std::floor(q) - 0.5) + error / u;
}

std::vector<double> random_row(Rng& rng, Format f) {
  std::vector<double> row = {0.0};
  const std::size_t n = 2 + rng.below(2);
  while (row.size() < n) row.push_back(round_to_format(rng.uniform(-16.0, 16.0), f));
  return row;
}

// Rows of f16, bf16 or f32 whose softmax_0 or logsumexp is within 2^-(precision + 18) of a
// midpoint (relative), located with double arithmetic (accurate to ~2^-50 here, far finer
// than the 2^-18 ulp sought for these formats).
std::vector<std::vector<double>> search_in_double(Rng& rng, Format f) {
  constexpr double kCloseness = 0x1p-18;  // ulps
  constexpr int kBudget = 6'000'000;
  std::vector<std::vector<double>> found;
  for (int i = 0; i < kBudget && found.size() < kWanted; ++i) {
    const auto row = random_row(rng, f);
    double sum_rest = 0.0;  // sum of exp(x_j), j > 0 (x_0 = 0 is the max only sometimes)
    for (std::size_t j = 1; j < row.size(); ++j) sum_rest += std::exp(row[j]);
    const double softmax0 = 1.0 / (1.0 + sum_rest);
    const double lse = std::log1p(sum_rest);
    if (ulps_from_midpoint(softmax0, 0x1p-49 * softmax0, f) < kCloseness ||
        ulps_from_midpoint(lse, 0x1p-49 * lse, f) < kCloseness)
      found.push_back(row);
  }
  return found;
}

// f64 rows found with the reference's own double-double (then checked independently):
// within 2^-12 ulp of a midpoint, about 2^-(53 + 12) relative.
std::vector<std::vector<double>> search_in_double_double(Rng& rng) {
  constexpr double kCloseness = 0x1p-12;
  constexpr int kBudget = 20'000;
  std::vector<std::vector<double>> found;
  for (int i = 0; i < kBudget && found.size() < kWanted; ++i) {
    const auto row = random_row(rng, Format::f64);
    const RowReference r = evaluate_row(row, Format::f64, 0);
    for (const Exact* e : {&r.softmax[0], &r.softmax[1], &r.logsumexp, &r.log_softmax[1]}) {
      if (e->exact_hi == 0.0) continue;
      const double distance = 0.5 - std::fabs(e->exact_lo) / ulp(e->exact_hi, Format::f64);
      if (distance < kCloseness) {
        found.push_back(row);
        break;
      }
    }
  }
  return found;
}

void check_against_oracle(const std::vector<double>& row, Format f, const RowReference& r) {
  const testing::Oracle oracle(kOracleBits);
  for (Format g : {f, Format::f64}) {
    const testing::OracleRow o = oracle.evaluate(row, g, 0);
    auto got = [&](const Exact& e) { return g == f ? e.rounded : e.exact_hi; };
    for (std::size_t i = 0; i < row.size(); ++i) {
      CHECK(identical_bits(got(r.softmax[i]), o.softmax[i]));
      CHECK(identical_bits(got(r.log_softmax[i]), o.log_softmax[i]));
      CHECK(identical_bits(got(r.ce_gradient[i]), o.ce_gradient[i]));
    }
    CHECK(identical_bits(got(r.logsumexp), o.logsumexp));
    CHECK(identical_bits(got(r.ce_loss), o.ce_loss));
  }
}

}  // namespace

TEST_CASE("hard rounding cases agree with a 2000-bit evaluation") {
  Rng rng(derive_seed(testing::seed(), 0x4A2D));
  for (Format f : kAllFormats) {
    const auto rows = f == Format::f64 ? search_in_double_double(rng) : search_in_double(rng, f);
    INFO("format " << name(f));
    CHECK(rows.size() >= kWanted / 2);  // the search is not vacuous
    for (const auto& row : rows) {
      INFO("row " << row[0] << " " << row[1] << " " << (row.size() > 2 ? row[2] : 0.0));
      check_against_oracle(row, f, evaluate_row(row, f, 0));
      // A start a few bits above the format's precision cannot decide these: Ziv's loop
      // must raise the precision, and still reach the same results.
      const int low = traits(f).precision + 4;
      check_against_oracle(row, f, evaluate_row(row, f, 0, {.initial_precision = low}));
    }
  }
}
