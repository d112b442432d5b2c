// Accuracy of every built-in kernel against a long double evaluation (kernels_support.hpp):
// random normal rows at scales 1, 3 and 30, every length 1..33 (tile boundaries) and 4096,
// overflow rows, and confident rows whose true-class gradient cancels in softmax_y - 1.
//
// Error budget of an element, in ulps of the accumulator (storage_ulps() converts it for
// bf16/f16, adding the final rounding's half ulp):
//   kBase + kSumPerSqrtN * sqrt(n)  (+ |x_i - max| for naive only, which has no correction)
// The sqrt(n) term is the typical growth of a recursive sum of n positive terms; the worst
// case (the contract's (n - 1) ulps) is far looser. Each case prints its worst error.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "kernels_support.hpp"
#include "test_seed.hpp"

using namespace softcheck;
using namespace softcheck::testing;

namespace {

constexpr double kBase = 4;          // exp, reciprocal, product, log1p: a few roundings
constexpr double kSumPerSqrtN = 0.5;  // recursive summation of s

// Largest error of one kernel over a case, as a fraction of its budget, with the row.
struct Worst {
  double ratio = 0;
  double ulps = 0;
  std::string row;
};

double budget(const Kernel& kernel, std::size_t n, double gap) {
  const double accumulator = kBase + kSumPerSqrtN * std::sqrt(static_cast<double>(n)) +
                             (is_naive(kernel) ? gap : 0.0);
  return storage_ulps(kernel.format, accumulator);
}

// Checks one row; returns the largest error / budget over its outputs.
void check_row(const Kernel& kernel, const std::vector<double>& x, std::size_t target,
               Worst& worst) {
  const RowResult got = run_row(kernel, x, static_cast<std::int64_t>(target));
  const Expected want = expected(kernel.op, x, target);
  const auto record = [&](double error, double allowed) {
    CHECK(error <= allowed);
    if (error / allowed > worst.ratio) worst = {error / allowed, error, describe(x)};
  };
  for (std::size_t i = 0; i < got.values.size(); ++i) {
    INFO(kernel.name() << " element " << i << " of " << describe(x) << " target " << target
                       << ": got " << got.values[i] << " want " << double(want.values[i]));
    // naive's exp(x_i) carries |x_i| ulps of argument rounding; the other kernels none.
    record(ulp_error(got.values[i], want.values[i], kernel.format),
           budget(kernel, x.size(), std::fabs(x[i])));
  }
  if (has_scalar_output(kernel.op)) {
    INFO(kernel.name() << " row " << describe(x) << " target " << target << ": got "
                       << got.scalar << " want " << double(want.scalar));
    double error = ulp_error(got.scalar, want.scalar, kernel.format);
    if (kernel.op == Op::logsumexp) {
      // max + log1p(s) cancels where it crosses zero: measure in ulps of the larger term.
      const long double scale = std::max(std::fabs(want.max), want.log_sum);
      error = static_cast<double>(std::fabs(got.scalar - want.scalar) /
                                  ulp(static_cast<double>(scale), kernel.format));
    }
    record(error, budget(kernel, x.size(), std::fabs(want.max)));
  }
}

std::vector<double> normal_row(Rng& rng, std::size_t n, double scale, Format f) {
  std::vector<double> row(n);
  for (double& v : row) v = round_to_format(scale * rng.normal(), f);
  return row;
}

void report(const char* title, const std::map<std::string, Worst>& worst) {
  std::printf("%s: worst error per kernel (ulps, fraction of budget)\n", title);
  for (const auto& [name, w] : worst)
    std::printf("  %-44s %8.3f  %.2f\n", name.c_str(), w.ulps, w.ratio);
}

}  // namespace

TEST_CASE("random normal rows at scales 1, 3 and 30") {
  std::map<std::string, Worst> worst;
  for (const Kernel& kernel : builtin_kernels()) {
    Rng rng(derive_seed(seed(), std::hash<std::string>{}(kernel.name())));
    for (double scale : {1.0, 3.0, 30.0}) {
      // naive overflows at scale 30 (f32 exp(89) = inf) and loses |x_i| ulps: scale <= 3 only.
      if (is_naive(kernel) && scale > 3) continue;
      for (int trial = 0; trial < scaled(40); ++trial) {
        const std::size_t n = 1 + rng.below(trial % 4 == 0 ? 1000 : 40);
        const std::vector<double> row = normal_row(rng, n, scale, kernel.format);
        check_row(kernel, row, rng.below(n), worst[kernel.name()]);
      }
    }
  }
  report("normal rows", worst);
}

TEST_CASE("every length 1..33 and 4096") {
  std::map<std::string, Worst> worst;
  for (const Kernel& kernel : builtin_kernels()) {
    Rng rng(derive_seed(seed(), std::hash<std::string>{}(kernel.name()) + 1));
    std::vector<std::size_t> lengths;
    for (std::size_t n = 1; n <= 33; ++n) lengths.push_back(n);
    lengths.push_back(4096);
    for (std::size_t n : lengths) {
      const std::vector<double> row = normal_row(rng, n, 3.0, kernel.format);
      check_row(kernel, row, rng.below(n), worst[kernel.name()]);
    }
  }
  report("lengths 1..33, 4096", worst);
}

TEST_CASE("overflow rows: finite for every kernel but naive") {
  for (const Kernel& kernel : builtin_kernels()) {
    std::vector<double> row;
    switch (kernel.format) {
      case Format::f64: row = {1000, 999}; break;
      case Format::f32: row = {100, 90}; break;
      case Format::bf16: row = {100, 90}; break;  // exp(100) overflows f32 accumulation
      case Format::f16: row = {15, 14}; break;     // exp(15) > 65504
    }
    INFO(kernel.name());
    const RowResult got = run_row(kernel, row, 1);
    bool finite = std::isfinite(got.scalar);
    for (double v : got.values) finite = finite && std::isfinite(v);
    if (is_naive(kernel)) {
      CHECK_FALSE(finite);
    } else {
      CHECK(finite);
      Worst worst;
      check_row(kernel, row, 1, worst);
    }
  }
}

TEST_CASE("confident rows: the true-class gradient does not cancel") {
  // target = max + 10 over n = 1000 standard normal logits: softmax_y ~ 0.997, and the
  // gradient -(sum_{j != y} e^(x_j - x_y)) / (1 + s) ~ -3e-3 must keep its relative accuracy
  // (softmax_y - 1 would lose log2(1/3e-3) ~ 8 bits).
  std::map<std::string, Worst> worst;
  for (const Kernel& kernel : builtin_kernels()) {
    if (kernel.op != Op::cross_entropy) continue;
    Rng rng(derive_seed(seed(), std::hash<std::string>{}(kernel.name()) + 2));
    for (int trial = 0; trial < scaled(5); ++trial) {
      const std::size_t n = 1000;
      std::vector<double> row = normal_row(rng, n, 1.0, kernel.format);
      const std::size_t y = rng.below(n);
      row[y] = round_to_format(*std::max_element(row.begin(), row.end()) + 10, kernel.format);
      check_row(kernel, row, y, worst[kernel.name()]);
      const RowResult got = run_row(kernel, row, static_cast<std::int64_t>(y));
      const long double want = expected(Op::cross_entropy, row, y).values[y];
      INFO(kernel.name() << " gradient at the target " << got.values[y] << " want "
                         << double(want));
      CHECK(got.values[y] < 0);
      if (!is_naive(kernel))
        CHECK(std::fabs(got.values[y] - want) <= 8 * epsilon(kernel.format) * std::fabs(want));
    }
  }
  report("confident rows", worst);
}
