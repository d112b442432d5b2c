#include "hconsistency/check.hpp"

#include <algorithm>

#include "hconsistency/evaluate.hpp"

namespace softcheck::hconsistency {
namespace {

SampleRecord record_of(std::uint64_t index, Sample sample, const Evaluation& e) {
  SampleRecord r;
  r.index = index;
  r.sample = std::move(sample);
  r.zero_one_regret = to_double(e.zero_one_regret);
  r.surrogate_regret = to_double(e.surrogate_regret);
  r.bound = to_double(e.bound);
  r.slack = to_double(e.slack);
  return r;
}

}  // namespace

CheckResult run_check(const CheckOptions& options) {
  CheckResult result;
  result.samples = options.samples;
  const std::size_t bins = std::max<std::size_t>(options.bins, 1);
  for (std::size_t b = 0; b < bins; ++b)
    result.bins.push_back({static_cast<double>(b) / bins, static_cast<double>(b + 1) / bins, 0, {}});
  const std::uint64_t cloud_stride =
      std::max<std::uint64_t>(1, (options.samples + options.cloud_points - 1) /
                                     std::max<std::size_t>(options.cloud_points, 1));
  Real min_slack;
  for (std::uint64_t k = 0; k < options.samples; ++k) {
    Sample sample = draw_sample(options.seed, k, options.classes);
    const Evaluation e = evaluate(sample.p, sample.h, options.tau);
    const bool slack_record = !result.min_slack || e.slack < min_slack;
    const double regret = to_double(e.zero_one_regret);
    if (k % cloud_stride == 0) result.cloud.emplace_back(regret, to_double(e.surrogate_regret));
    const bool positive = e.zero_one_regret > 0;
    if (!e.violated() && !slack_record && !positive) continue;
    const SampleRecord r = record_of(k, std::move(sample), e);
    if (e.violated()) {
      ++result.violations;
      if (result.reproducers.size() < options.max_reproducers) result.reproducers.push_back(r);
    }
    if (slack_record) {
      min_slack = e.slack;
      result.min_slack = r;
    }
    if (!positive) continue;
    ++result.positive_regret_samples;
    if (!result.min_ratio || r.ratio() < result.min_ratio->ratio()) result.min_ratio = r;
    Bin& bin = result.bins[std::min(bins - 1, static_cast<std::size_t>(regret * bins))];
    ++bin.count;
    if (!bin.tightest || r.ratio() < bin.tightest->ratio()) bin.tightest = r;
  }
  return result;
}

}  // namespace softcheck::hconsistency
