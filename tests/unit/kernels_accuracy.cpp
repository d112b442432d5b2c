// Accuracy of every built-in kernel against a long double evaluation (kernels_support.hpp):
// random normal rows at scales 1, 3 and 30, every length 1..33 (tile boundaries) and 4096,
// overflow rows, and confident rows whose true-class gradient cancels in softmax_y - 1.
//
// Error budget of every output, in ulps of the accumulator (storage_ulps() converts it for
// bf16/f16, adding the final rounding's half ulp): kBase, or kTwoPassF32Base for two-pass in
// float (each exp carries the degree-5 polynomial's 2.5 ulps). There is no gap term: the
// kernels compute exp(x_i - max) without the |x_i - max| amplification (row.hpp,
// scaled_exp) and two-pass never forms x_i - max; and no length term: the sums are
// compensated. The contract's budget (4 + |x_i - max| + (n - 1) ulps) is far looser. Each
// case prints its worst error. naive, which cancels and amplifies by design, gets its own
// scale-relative check.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "kernels_support.hpp"
#include "test_seed.hpp"
#include "test_values.hpp"

using namespace softcheck;
using namespace softcheck::testing;

using softcheck::test::normal_row;

namespace {

// About six roundings of at most an ulp each (scaled_exp or the polynomial, 1 + s, the
// reciprocal, the product; for the target's gradient 1 + q, q + e_y and the quotient), and
// for two-pass in float the polynomial's 2.5 ulps on top (proofs/exp-poly-f32.md).
constexpr double kBase = 6;
constexpr double kTwoPassF32Base = 8;

// Largest error of one kernel over a case, as a fraction of its budget, with the row.
struct Worst {
  double ratio = 0;
  double ulps = 0;
  std::string row;
};

double budget(const Kernel& kernel) {
  const bool polynomial = kernel.algorithm == "two-pass" && kernel.format != Format::f64;
  return storage_ulps(kernel.format, polynomial ? kTwoPassF32Base : kBase);
}

// Checks every output of one row against its budget and records the worst in `worst`.
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
    record(ulp_error(got.values[i], want.values[i], kernel.format), budget(kernel));
  }
  if (has_scalar_output(kernel.op)) {
    INFO(kernel.name() << " row " << describe(x) << " target " << target << ": got " << got.scalar
                       << " want " << double(want.scalar));
    double error = ulp_error(got.scalar, want.scalar, kernel.format);
    if (kernel.op == Op::logsumexp) {
      // max + log1p(s) cancels where it crosses zero: there, ulps of the larger term count.
      const long double scale = std::max(std::fabs(want.max), want.log_sum);
      error = std::min(error, static_cast<double>(std::fabs(got.scalar - want.scalar) /
                                                  ulp(static_cast<double>(scale), kernel.format)));
    }
    record(error, budget(kernel));
  }
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
    if (is_naive(kernel) || is_simd(kernel)) continue;  // simd: kernels_simd.cpp
    Rng rng(derive_seed(seed(), std::hash<std::string>{}(kernel.name())));
    for (double scale : {1.0, 3.0, 30.0}) {
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
    if (is_naive(kernel) || is_simd(kernel)) continue;
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
      case Format::f64:
        row = {1000, 999};
        break;
      case Format::f32:
        row = {100, 90};
        break;
      case Format::bf16:
        row = {100, 90};
        break;  // exp(100) overflows f32 accumulation
      case Format::f16:
        row = {15, 14};
        break;  // exp(15) > 65504
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
      if (!is_naive(kernel)) check_row(kernel, row, y, worst[kernel.name()]);
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

TEST_CASE("naive agrees on small logits, to a tolerance relative to the row's scale") {
  // exp(x_i) without max subtraction carries |x_i| ulps, and x_i - log(sum) cancels: an
  // error of a few ulps of max(1, |x_i|, |result|) is what naive can promise on such rows.
  for (const Kernel& kernel : builtin_kernels()) {
    if (!is_naive(kernel)) continue;
    Rng rng(derive_seed(seed(), std::hash<std::string>{}(kernel.name()) + 3));
    for (int trial = 0; trial < scaled(50); ++trial) {
      const std::size_t n = 1 + rng.below(40);
      const std::vector<double> row = normal_row(rng, n, 2.0, kernel.format);
      const std::size_t y = rng.below(n);
      const RowResult got = run_row(kernel, row, static_cast<std::int64_t>(y));
      const Expected want = expected(kernel.op, row, y);
      const double tolerance = 64 * epsilon(kernel.format);
      for (std::size_t i = 0; i < got.values.size(); ++i) {
        INFO(kernel.name() << " element " << i << " of " << describe(row));
        const long double scale = std::max(
            {1.0L, std::fabs(want.values[i]), std::fabs(static_cast<long double>(row[i]))});
        CHECK(std::fabs(got.values[i] - want.values[i]) <= tolerance * scale);
      }
      if (has_scalar_output(kernel.op)) {
        INFO(kernel.name() << " row " << describe(row));
        CHECK(std::fabs(got.scalar - want.scalar) <= tolerance * std::max(1.0L, want.scalar));
      }
    }
  }
}
