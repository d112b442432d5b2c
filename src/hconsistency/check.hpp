// The sampled bound check: draw (p, h) pairs (sample.hpp), evaluate both sides in Real
// (evaluate.hpp), count violations, and record the tightest samples.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "hconsistency/sample.hpp"

namespace softcheck::hconsistency {

struct CheckOptions {
  double tau = 1;
  std::size_t classes = 2;
  std::uint64_t samples = 10000;
  std::uint64_t seed = 1;
  std::size_t cloud_points = 4000;  // at most this many (Delta C_{0-1}, Delta C_tau) pairs kept
  std::size_t bins = 20;            // Delta C_{0-1} in [0, 1] cut into this many bins
  std::size_t max_reproducers = 10;
};

struct SampleRecord {
  std::uint64_t index = 0;
  Sample sample;
  double zero_one_regret = 0, surrogate_regret = 0, bound = 0, slack = 0;
  double ratio() const { return bound > 0 ? surrogate_regret / bound : 0; }
};

struct Bin {
  double lo = 0, hi = 0;
  std::uint64_t count = 0;
  std::optional<SampleRecord> tightest;  // smallest ratio Delta C_tau / T in the bin
};

struct CheckResult {
  std::uint64_t samples = 0;
  std::uint64_t violations = 0;
  std::uint64_t positive_regret_samples = 0;  // samples with Delta C_{0-1} > 0
  std::vector<SampleRecord> reproducers;       // the first violations
  std::optional<SampleRecord> min_slack;
  std::optional<SampleRecord> min_ratio;       // over samples with Delta C_{0-1} > 0
  std::vector<Bin> bins;
  std::vector<std::pair<double, double>> cloud;
};

CheckResult run_check(const CheckOptions& options);

}  // namespace softcheck::hconsistency
