// The special-value table (src/kernels/row.hpp, README "Special values") for every built-in
// kernel but naive, and the row shapes every kernel must handle: n = 0, n = 1, rows = 0,
// stride > n (nothing written outside the outputs; run_kernel checks that on every call).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "core/rng.hpp"
#include "kernels_support.hpp"
#include "test_seed.hpp"
#include "test_values.hpp"

using namespace softcheck;
using namespace softcheck::testing;

using softcheck::test::kInf;
using softcheck::test::kNaN;

namespace {

bool all_nan(const std::vector<double>& values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return std::isnan(v); });
}

// A row whose expected logsumexp is the special `logsumexp`: every vector output NaN, the
// logsumexp itself, and a NaN loss.
void check_special_row(const Kernel& kernel, const std::vector<double>& row, double logsumexp) {
  for (std::size_t target = 0; target < row.size(); ++target) {
    INFO(kernel.name() << " row " << describe(row) << " target " << target);
    const RowResult got = run_row(kernel, row, static_cast<std::int64_t>(target));
    if (has_vector_output(kernel.op)) CHECK(all_nan(got.values));
    if (kernel.op == Op::logsumexp) {
      if (std::isnan(logsumexp)) {
        CHECK(std::isnan(got.scalar));
      } else {
        CHECK(got.scalar == logsumexp);
      }
    }
    if (kernel.op == Op::cross_entropy) CHECK(std::isnan(got.scalar));
  }
}

}  // namespace

TEST_CASE("special rows: NaN, +inf and fully masked rows") {
  for (const Kernel& kernel : builtin_kernels()) {
    if (is_naive(kernel)) continue;
    check_special_row(kernel, {kNaN}, kNaN);
    check_special_row(kernel, {1, kNaN, 2}, kNaN);
    check_special_row(kernel, {kNaN, 3, -kInf}, kNaN);
    check_special_row(kernel, {kInf, 0, kNaN}, kNaN);  // NaN wins over +inf
    check_special_row(kernel, {-kInf, kNaN}, kNaN);
    check_special_row(kernel, {kInf}, kInf);
    check_special_row(kernel, {1, kInf, 2}, kInf);
    check_special_row(kernel, {kInf, kInf, -kInf}, kInf);
    check_special_row(kernel, {-kInf, 5, kInf}, kInf);
    check_special_row(kernel, {-kInf}, -kInf);
    check_special_row(kernel, {-kInf, -kInf, -kInf}, -kInf);
  }
}

TEST_CASE("special rows: -inf masks") {
  const std::vector<double> row = {-kInf, 1, -kInf, 2, 0.5, -kInf};
  for (const Kernel& kernel : builtin_kernels()) {
    if (is_naive(kernel)) continue;
    for (std::size_t target = 0; target < row.size(); ++target) {
      INFO(kernel.name() << " target " << target);
      const RowResult got = run_row(kernel, row, static_cast<std::int64_t>(target));
      const bool target_masked = row[target] == -kInf;
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (row[i] != -kInf) {
          if (has_vector_output(kernel.op)) CHECK(std::isfinite(got.values[i]));
          continue;
        }
        if (kernel.op == Op::softmax) {
          CHECK(got.values[i] == 0);
          CHECK_FALSE(std::signbit(got.values[i]));
        } else if (kernel.op == Op::log_softmax) {
          CHECK(got.values[i] == -kInf);
        } else if (kernel.op == Op::cross_entropy) {
          if (i == target) {
            CHECK(got.values[i] == -1);
          } else {
            CHECK(got.values[i] == 0);
            CHECK_FALSE(std::signbit(got.values[i]));
          }
        }
      }
      if (kernel.op == Op::logsumexp) CHECK(std::isfinite(got.scalar));
      if (kernel.op == Op::cross_entropy) {
        if (target_masked) {
          CHECK(got.scalar == kInf);
        } else {
          CHECK(std::isfinite(got.scalar));
        }
      }
    }
  }
}

TEST_CASE("empty rows and rows = 0") {
  for (const Kernel& kernel : builtin_kernels()) {
    INFO(kernel.name());
    // Three empty rows with stride 2: no vector outputs, logsumexp -inf, loss NaN.
    const std::vector<RowResult> got = run_kernel(kernel, {{}, {}, {}}, {0, 0, 0}, /*stride=*/2);
    for (const RowResult& row : got) {
      CHECK(row.values.empty());
      if (kernel.op == Op::logsumexp) CHECK(row.scalar == -kInf);
      if (kernel.op == Op::cross_entropy) CHECK(std::isnan(row.scalar));
    }
    CHECK(run_kernel(kernel, {}, {}, /*stride=*/4).empty());  // rows = 0 writes nothing
  }
}

TEST_CASE("one-element rows") {
  for (const Kernel& kernel : builtin_kernels()) {
    for (double x : {0.0, -3.5, 7.25, 80.0}) {
      INFO(kernel.name() << " x " << x);
      const RowResult got = run_row(kernel, {x}, 0, 5);
      if (is_naive(kernel)) {  // exp(x) * (1 / exp(x)) and log(exp(x)) may be ulps off
        const double exact = kernel.op == Op::softmax ? 1 : kernel.op == Op::logsumexp ? x : 0;
        const double value = has_vector_output(kernel.op) ? got.values[0] : got.scalar;
        CHECK(std::fabs(value - exact) <= 4 * epsilon(kernel.format) * std::max(1.0, x));
        continue;
      }
      if (kernel.op == Op::softmax) {
        CHECK(got.values[0] == 1);
      } else if (kernel.op == Op::log_softmax) {
        CHECK(got.values[0] == 0);
      } else if (kernel.op == Op::logsumexp) {
        CHECK(got.scalar == x);
      } else if (kernel.op == Op::cross_entropy) {
        CHECK(got.scalar == 0);
        CHECK(got.values[0] == 0);
        CHECK_FALSE(std::signbit(got.values[0]));
      }
    }
  }
}

TEST_CASE("cross-entropy with a target outside [0, n) gives NaN, never reads out of bounds") {
  for (const Kernel& kernel : builtin_kernels()) {
    if (kernel.op != Op::cross_entropy) continue;
    for (std::int64_t target : {-1, 3, 1000}) {
      INFO(kernel.name() << " target " << target);
      const RowResult got = run_row(kernel, {1, 2, 3}, target);
      CHECK(std::isnan(got.scalar));
      CHECK(all_nan(got.values));
    }
  }
}

TEST_CASE("large logits past the two-pass range take the fallback and stay accurate") {
  // 2^13 and beyond lies outside two-pass's pair range for float accumulation; f64 to 2^21.
  for (const Kernel& kernel : builtin_kernels()) {
    if (is_naive(kernel)) continue;
    const double big = kernel.format == Format::f64 ? 0x1p21 : 0x1p13;
    std::vector<double> row = {big, big - 1, -big, 0, big - 0.5};
    for (double& v : row) v = round_to_format(v, kernel.format);
    INFO(kernel.name());
    const RowResult got = run_row(kernel, row, 1);
    const Expected want = expected(kernel.op, row, 1);
    for (std::size_t i = 0; i < got.values.size(); ++i)
      CHECK(ulp_error(got.values[i], want.values[i], kernel.format) <=
            storage_ulps(kernel.format, 4));
    if (has_scalar_output(kernel.op))
      CHECK(ulp_error(got.scalar, want.scalar, kernel.format) <= storage_ulps(kernel.format, 4));
  }
}

TEST_CASE("rows of the largest finite values") {
  for (const Kernel& kernel : builtin_kernels()) {
    if (is_naive(kernel)) continue;
    const double top = max_finite(kernel.format);
    INFO(kernel.name());
    // Two distinct huge values: one-hot (the second is far below in exp terms).
    const std::vector<double> row = {-top, top, 0};
    const RowResult got = run_row(kernel, row, 0);
    if (kernel.op == Op::softmax) CHECK(got.values == std::vector<double>{0, 1, 0});
    if (kernel.op == Op::log_softmax) CHECK(got.values[1] == 0);
    if (kernel.op == Op::logsumexp) CHECK(got.scalar == top);
    if (kernel.op == Op::cross_entropy) {
      CHECK(got.scalar == kInf);  // (top - (-top)) overflows: the exact loss is 2*top
      CHECK(got.values == std::vector<double>{-1, 1, 0});
    }
  }
}

TEST_CASE("random rows of special and extreme values follow the table") {
  softcheck::Rng rng(softcheck::derive_seed(seed(), 21));
  for (const Kernel& kernel : builtin_kernels()) {
    if (is_naive(kernel)) continue;
    const Format f = kernel.format;
    const std::vector<double> pool = {kNaN,
                                      kInf,
                                      -kInf,
                                      0.0,
                                      -0.0,
                                      max_finite(f),
                                      -max_finite(f),
                                      denorm_min(f),
                                      -denorm_min(f),
                                      min_normal(f),
                                      1.0,
                                      -1.0,
                                      100.0,
                                      -100.0,
                                      20.5,
                                      1e4};
    for (int trial = 0; trial < scaled(300); ++trial) {
      const std::size_t n = 1 + rng.below(6);
      std::vector<double> row(n);
      for (double& v : row) {
        v = rng.below(3) ? pool[rng.below(pool.size())] : rng.normal() * 50;
        v = round_to_format(v, f);
      }
      const std::size_t y = rng.below(n);
      INFO(kernel.name() << " row " << describe(row) << " target " << y);
      const RowResult got = run_row(kernel, row, static_cast<std::int64_t>(y));
      const bool nan = std::any_of(row.begin(), row.end(), [](double v) { return std::isnan(v); });
      const bool pos_inf = std::find(row.begin(), row.end(), kInf) != row.end();
      const bool masked = std::all_of(row.begin(), row.end(), [](double v) { return v == -kInf; });
      if (nan || pos_inf || masked) {
        if (has_vector_output(kernel.op)) CHECK(all_nan(got.values));
        if (kernel.op == Op::cross_entropy) CHECK(std::isnan(got.scalar));
        if (kernel.op == Op::logsumexp) {
          if (nan) CHECK(std::isnan(got.scalar));
          if (!nan) CHECK(got.scalar == (pos_inf ? kInf : -kInf));
        }
        continue;
      }
      for (std::size_t i = 0; i < got.values.size(); ++i) {
        const double v = got.values[i];
        if (kernel.op == Op::softmax) {
          CHECK((v >= 0 && v <= 1));
        } else if (kernel.op == Op::log_softmax) {
          CHECK(v <= 0);
          break;  // -inf where masked or far below
        } else if (kernel.op == Op::logsumexp) {
        } else if (kernel.op == Op::cross_entropy) {
          CHECK((v >= -1 && v <= 1));
        }
        if (row[i] == -kInf && kernel.op == Op::softmax) CHECK(v == 0);
      }
      if (kernel.op == Op::logsumexp) CHECK(got.scalar > -kInf);
      if (kernel.op == Op::cross_entropy) CHECK(got.scalar >= 0);  // +inf when masked/huge
    }
  }
}
