// StableMax cross-entropy (src/training/stablemax_loss.hpp): values against the formula in
// plain double arithmetic, and finite gradients where the discarded branch of s has a pole.
// libtorch's headers bring glog's CHECK macro, which replaces Catch's; so Catch's macros are
// used with their CATCH_ prefix here.
#define CATCH_CONFIG_PREFIX_ALL
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include <ATen/ATen.h>

#include "training/stablemax_loss.hpp"

using softcheck::training::stablemax_cross_entropy;
using softcheck::training::stablemax_s;

namespace {

double s_exact(double x) { return x >= 0 ? x + 1 : 1 / (1 - x); }

double stce_exact(const std::vector<double>& row, int target) {
  double sum = 0;
  for (const double x : row) sum += s_exact(x);
  return -std::log(s_exact(row[static_cast<std::size_t>(target)]) / sum);
}

}  // namespace

CATCH_TEST_CASE("stablemax_s follows x + 1 and 1/(1 - x)") {
  const at::Tensor x = at::tensor({-3.0, -1.0, 0.0, 0.5, 1.0, 100.0}, at::kDouble);
  const at::Tensor s = stablemax_s(x);
  for (int i = 0; i < x.numel(); ++i) {
    CATCH_CHECK(s[i].item<double>() == s_exact(x[i].item<double>()));
  }
}

CATCH_TEST_CASE("stablemax_cross_entropy matches the formula per sample") {
  const std::vector<std::vector<double>> rows = {
      {1, 2, 3, 4}, {-1.5, 0, 2.25, 5}, {0.5, 0.5, 0.5, 0.5}, {-10, -20, 30, 1}};
  const std::vector<int> targets = {3, 0, 2, 1};
  std::vector<double> flat;
  for (const auto& row : rows) flat.insert(flat.end(), row.begin(), row.end());
  const at::Tensor logits = at::tensor(flat, at::kDouble).reshape({4, 4});
  const at::Tensor y = at::tensor(std::vector<long>{3, 0, 2, 1}, at::kLong);
  const at::Tensor loss = stablemax_cross_entropy(logits, y);
  CATCH_REQUIRE(loss.sizes() == at::IntArrayRef({4}));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CATCH_CHECK(loss[static_cast<long>(i)].item<double>() ==
          Catch::Detail::Approx(stce_exact(rows[i], targets[i])).epsilon(1e-14));
  }
  CATCH_CHECK(loss[2].item<double>() == Catch::Detail::Approx(std::log(4.0)));  // ties: uniform, log n
}

CATCH_TEST_CASE("stablemax_cross_entropy has finite gradients at the poles of the unused branch") {
  // x = 1 is the pole of 1/(1 - x), evaluated (and discarded) for x >= 0.
  const at::Tensor logits =
      at::tensor({1.0, 0.0, -1.0, 2.0, 1.0, 0.0}, at::kFloat).reshape({2, 3}).set_requires_grad(true);
  const at::Tensor y = at::tensor(std::vector<long>{0, 2}, at::kLong);
  stablemax_cross_entropy(logits, y).sum().backward();
  CATCH_CHECK(logits.grad().isfinite().all().item<bool>());
  // d/dx0 of log(Σ s) − log s(x0) at row {1, 0, −1}: s = {2, 1, 1/2}, s' = {1, 1, 1/4}.
  CATCH_CHECK(logits.grad()[0][0].item<double>() == Catch::Detail::Approx(1 / 3.5 - 1 / 2.0));
}
