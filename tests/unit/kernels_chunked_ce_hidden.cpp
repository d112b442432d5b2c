// Cross-entropy from hidden states and a classifier (src/kernels/chunked_ce_hidden.hpp): the
// chunked path without filtering agrees with the materialised one; with the eps/32 filter
// it skips blocks and its gradient error stays within threshold * |h| per entry; a threshold
// 100x too large breaks that bound. The hidden test "[.table]" measures scratch memory,
// blocks skipped and the filter's error for vocabularies up to 256K.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <iostream>
#include <vector>

#include "core/rng.hpp"
#include "kernels/chunked_ce.hpp"
#include "kernels/chunked_ce_hidden.hpp"
#include "test_seed.hpp"

using namespace softcheck;
using kernels::HiddenCeProblem;
using kernels::HiddenCeResult;

namespace {

double gaussian(Rng& rng) {
  const double u = 1.0 - rng.uniform(), w = rng.uniform();
  return std::sqrt(-2 * std::log(u)) * std::cos(6.283185307179586 * w);
}

// Hidden states N(0, 1), classifier rows N(0, spread^2 / d): logits of standard deviation
// about `spread`.
struct Instance {
  std::vector<float> hidden, classifier;
  std::vector<std::int64_t> targets;
  HiddenCeProblem problem;

  Instance(std::size_t tokens, std::size_t dim, std::size_t vocab, double spread, Rng& rng) {
    hidden.resize(tokens * dim);
    classifier.resize(vocab * dim);
    for (float& v : hidden) v = static_cast<float>(gaussian(rng));
    for (float& v : classifier) v = static_cast<float>(spread / std::sqrt(dim) * gaussian(rng));
    for (std::size_t t = 0; t < tokens; ++t) targets.push_back(rng.below(vocab));
    problem = {hidden.data(), classifier.data(), targets.data(), tokens, dim, vocab};
  }

  // The largest |h_tk| summed over tokens: the filter's bound per classifier-gradient entry
  // is threshold times this.
  double hidden_mass() const {
    double mass = 0;
    for (std::size_t t = 0; t < problem.tokens; ++t) {
      double m = 0;
      for (std::size_t k = 0; k < problem.dim; ++k)
        m = std::max(m, double(std::fabs(hidden[t * problem.dim + k])));
      mass += m;
    }
    return mass;
  }
};

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(double(a[i]) - b[i]));
  return worst;
}

// The largest |a_i - b_i| beyond one f32 rounding of b_i (both are double sums rounded once).
double excess_error(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(double(a[i]) - b[i]) - 0x1p-23 * std::fabs(b[i]));
  return worst;
}

double max_abs(const std::vector<float>& a) {
  double worst = 0;
  for (float v : a) worst = std::max(worst, double(std::fabs(v)));
  return worst;
}

}  // namespace

TEST_CASE("chunked cross-entropy from hidden states matches the materialised one") {
  Rng rng(testing::seed());
  Instance in(3, 16, 3000, 10.0, rng);
  const HiddenCeResult full = kernels::hidden_ce_materialised(in.problem);
  const HiddenCeResult chunked = kernels::hidden_ce_chunked(in.problem, 256, 0.0);
  CHECK(chunked.blocks_skipped == 0);
  for (std::size_t t = 0; t < 3; ++t) CHECK(chunked.loss[t] == Approx(full.loss[t]).epsilon(1e-6));
  CHECK(max_abs_diff(chunked.grad_classifier, full.grad_classifier) <=
        1e-6 * max_abs(full.grad_classifier));
  CHECK(max_abs_diff(chunked.grad_hidden, full.grad_hidden) <= 1e-6 * max_abs(full.grad_hidden));
  CHECK(chunked.scratch_bytes == 256 * sizeof(float));
  CHECK(full.scratch_bytes == 2 * 3 * 3000 * sizeof(float));
}

TEST_CASE("the eps/32 filter skips blocks within its bound; 100x the threshold breaks it") {
  Rng rng(testing::seed());
  Instance in(3, 16, 8192, 30.0, rng);
  const HiddenCeResult exact = kernels::hidden_ce_chunked(in.problem, 256, 0.0);
  const HiddenCeResult filtered =
      kernels::hidden_ce_chunked(in.problem, 256, kernels::kChunkedCeThreshold);
  const HiddenCeResult planted =
      kernels::hidden_ce_chunked(in.problem, 256, 100 * kernels::kChunkedCeThreshold);
  CHECK(filtered.blocks_skipped > 0);
  CHECK(filtered.loss == exact.loss);  // the forward pass never filters
  const double bound = kernels::kChunkedCeThreshold * in.hidden_mass();
  CHECK(excess_error(filtered.grad_classifier, exact.grad_classifier) <= bound);
  CHECK(planted.blocks_skipped > filtered.blocks_skipped);
  CHECK(excess_error(planted.grad_classifier, exact.grad_classifier) > bound);
}

TEST_CASE("chunked cross-entropy from hidden states: memory and filter cost", "[.table]") {
  Rng rng(testing::seed());
  for (std::size_t vocab : {std::size_t{32768}, std::size_t{131072}, std::size_t{262144}}) {
    for (double spread : {3.0, 10.0, 30.0}) {
      Instance in(2, 32, vocab, spread, rng);
      const auto t0 = std::chrono::steady_clock::now();
      const HiddenCeResult full = kernels::hidden_ce_materialised(in.problem);
      const auto t1 = std::chrono::steady_clock::now();
      const HiddenCeResult chunked =
          kernels::hidden_ce_chunked(in.problem, 256, kernels::kChunkedCeThreshold);
      const auto t2 = std::chrono::steady_clock::now();
      const double bound = kernels::kChunkedCeThreshold * in.hidden_mass();
      std::cout << "V = " << vocab << " logit sd " << spread << ": scratch materialised "
                << full.scratch_bytes << " B, chunked " << chunked.scratch_bytes
                << " B; blocks skipped " << chunked.blocks_skipped << "/" << 2 * (vocab / 256)
                << "; max |dW error| "
                << max_abs_diff(chunked.grad_classifier, full.grad_classifier) << " (filter bound "
                << bound << ", max |dW| " << max_abs(full.grad_classifier) << "); loss rel diff "
                << std::fabs(chunked.loss[0] - full.loss[0]) / full.loss[0] << "; time "
                << std::chrono::duration<double>(t1 - t0).count() << " s vs "
                << std::chrono::duration<double>(t2 - t1).count() << " s\n";
    }
  }
}
