// The bound on random samples for tau in {0, 0.5, 1, 1.5, 2} and n in {2, 3, 10}, the
// evaluation of a hand-made violation, and the worst-case search meeting the curve where it
// is tight (tau in [0, 1]; every tau for n = 2).
#include <catch2/catch.hpp>
#include <vector>

#include "hconsistency/check.hpp"
#include "hconsistency/evaluate.hpp"
#include "hconsistency/search.hpp"

using namespace softcheck::hconsistency;

// Where T_tau is tight (tau in [0, 1]; every tau for n = 2: proofs/hconsistency-bounds.md),
// the searched worst cases must meet the curve within this slack.
constexpr double kTightWithin = 1e-6;

TEST_CASE("no random sample violates the bound") {
  for (double tau : {0.0, 0.5, 1.0, 1.5, 2.0})
    for (std::size_t n : {2u, 3u, 10u}) {
      CAPTURE(tau, n);
      CheckOptions options;
      options.tau = tau;
      options.classes = n;
      options.samples = 400;
      options.seed = 7;
      const CheckResult result = run_check(options);
      CHECK(result.violations == 0);
      REQUIRE(result.min_ratio);
      CHECK(result.min_ratio->ratio() >= 1 - 1e-12);
      CHECK(result.positive_regret_samples > 100);
    }
}

TEST_CASE("exact equality is no violation; a slack below the allowance is one") {
  // h optimal for p: Delta C_tau = 0 = T(0) exactly, so the computed slack is rounding only.
  const Evaluation optimal = evaluate(std::vector<double>{0.5, 0.5}, std::vector<double>{0.0, 0.0}, 1.0);
  CHECK(!optimal.violated());
  const bool within_allowance = abs(optimal.slack) <= optimal.allowance;  // Real: not printed
  CHECK(within_allowance);
  Evaluation planted = optimal;
  planted.slack = -1e-30;  // far above the 2^-200 allowance
  CHECK(planted.violated());
}

TEST_CASE("the search meets the curve where the bound is tight") {
  for (std::size_t n : {2u, 3u})
    for (double tau : {0.0, 0.5, 1.0}) {
      CAPTURE(n, tau);
      SearchOptions options;
      options.tau = tau;
      options.classes = n;
      options.targets = {0.05, 0.3, 0.7};
      options.random_starts = 2;
      for (const WorstCase& w : search_worst_cases(options)) {
        INFO("target " << w.target << " slack " << w.slack);
        CHECK(w.slack >= -1e-60);
        CHECK(w.slack <= kTightWithin);
      }
    }
  SearchOptions binary;  // n = 2: tight for tau in (1, 2] too
  binary.tau = 1.5;
  binary.classes = 2;
  binary.targets = {0.3};
  for (const WorstCase& w : search_worst_cases(binary)) CHECK(w.slack <= kTightWithin);
}
