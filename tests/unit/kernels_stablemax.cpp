// The StableMax kernels (stablemax.cpp): the special-value table, the accuracy bounds their
// source file states (against a long double model of the same quantities), rows at the ends
// of the range, and a planted bug (s(x) = 1/(1 - x) for every x) that the same check catches.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "kernels_support.hpp"
#include "planted_stablemax.hpp"
#include "test_seed.hpp"
#include "random_logit.hpp"
#include "test_values.hpp"

using namespace softcheck;
using namespace softcheck::testing;

using softcheck::test::kInf;
using softcheck::test::kNaN;

namespace {

const std::vector<Kernel>& stablemax_kernels() {
  static const std::vector<Kernel> kernels = [] {
    Registry registry;
    register_builtin_kernels(registry);
    std::vector<Kernel> found;
    for (const Kernel* kernel : registry.match("builtin/*stablemax*/*/*")) found.push_back(*kernel);
    return found;
  }();
  return kernels;
}

// The exact outputs of a row of finite logits, in long double, in the same no-cancellation
// forms as the reference (first maximum a; T = sum over j != y).
struct Model {
  std::vector<long double> values;  // the op's n outputs
  long double loss = 0;
};

long double s_of(long double x) { return x >= 0 ? x + 1 : 1 / (1 - x); }

Model model(Op op, const std::vector<double>& x, std::size_t y) {
  using L = long double;
  const std::size_t n = x.size();
  const std::size_t a = static_cast<std::size_t>(std::max_element(x.begin(), x.end()) - x.begin());
  L total = 0, others_of_a = 0, others_of_y = 0;
  for (std::size_t j = 0; j < n; ++j) {
    total += s_of(x[j]);
    if (j != a) others_of_a += s_of(x[j]);
    if (j != y) others_of_y += s_of(x[j]);
  }
  const auto neg_log = [&](std::size_t j) {
    return j == a ? std::log1p(others_of_a / s_of(x[j])) : std::log(total / s_of(x[j]));
  };
  Model m;
  for (std::size_t j = 0; j < n; ++j) {
    const L s = s_of(x[j]);
    const L s_prime = x[j] >= 0 ? 1 : s * s;
    if (op == Op::stablemax) {
      m.values.push_back(s / total);
    } else if (op == Op::log_stablemax) {
      m.values.push_back(-neg_log(j));
    } else {
      m.values.push_back(j == y ? -(others_of_y / total) / (1 + std::fabs(L(x[j])))
                                : s_prime / total);
    }
  }
  m.loss = neg_log(y);
  return m;
}

// The first-order bounds in ulps that stablemax.cpp states, plus one ulp for the model's and
// the second-order terms.
double stated_bound(Op op, std::size_t n) {
  const double terms = static_cast<double>(n);
  if (op == Op::stablemax) {
    return terms + 4 + 1;
  } else if (op == Op::log_stablemax) {
    return (terms + 4) / std::numbers::ln2 + 1 + 1;
  } else {
    return std::max(terms + 7, (terms + 4) / std::numbers::ln2 + 1) + 1;
  }
}

// The largest error of the kernel on the row, in ulps (subnormal results: in units of the
// smallest subnormal, with one more unit for their extra rounding).
double worst_error(const Kernel& kernel, const std::vector<double>& x, std::size_t y) {
  const RowResult got = run_row(kernel, x, static_cast<std::int64_t>(y));
  const Model want = model(kernel.op, x, y);
  double worst = 0;
  const auto account = [&](double value, long double exact) {
    const bool subnormal = std::fabs(static_cast<double>(exact)) < min_normal(kernel.format);
    worst = std::max(worst, ulp_error(value, exact, kernel.format) - (subnormal ? 1.0 : 0.0));
  };
  for (std::size_t i = 0; i < x.size(); ++i) account(got.values[i], want.values[i]);
  if (kernel.op == Op::stablemax_cross_entropy) account(got.scalar, want.loss);
  return worst;
}

// Random rows: n up to 300, logits from a few binades around 1 up to the format's top.
std::vector<double> random_row(std::mt19937_64& rng, Format f) {
  const std::size_t n = 1 + rng() % 300;
  const int top = traits(f).max_exponent;
  const int scales[] = {2, 6, 30, top / 2, top};
  const int hi = scales[rng() % 5];
  std::vector<double> x(n);
  for (double& v : x) v = random_logit(rng, f, -8, hi);
  return x;
}

}  // namespace

TEST_CASE("StableMax kernels: two-pass for f32 and f64, each op") {
  CHECK(stablemax_kernels().size() == 6);
  for (const Kernel& kernel : stablemax_kernels()) {
    CHECK(in_family(kernel.op, "stablemax"));
    CHECK(kernel.algorithm == "two-pass");
    CHECK((kernel.format == Format::f32 || kernel.format == Format::f64));
  }
}

TEST_CASE("StableMax kernels follow the special-value table") {
  for (const Kernel& kernel : stablemax_kernels()) {
    INFO(kernel.name());
    const bool ce = kernel.op == Op::stablemax_cross_entropy;
    for (const std::vector<double>& row :
         {std::vector<double>{1, kNaN, 2}, std::vector<double>{1, kInf, -kInf},
          std::vector<double>{-kInf, -kInf, -kInf}}) {
      const RowResult got = run_row(kernel, row, 0);
      for (double v : got.values) CHECK(std::isnan(v));
      if (ce) CHECK(std::isnan(got.scalar));
    }
    // Masked entries: stablemax +0, log_stablemax -inf, gradient +0; a masked target: +inf.
    const std::vector<double> masked = {2, -kInf, -1, -kInf};
    const RowResult got = run_row(kernel, masked, 1);
    for (std::size_t i : {1u, 3u}) {
      if (kernel.op == Op::log_stablemax) {
        CHECK(got.values[i] == -kInf);
      } else {
        CHECK(got.values[i] == 0);
        CHECK_FALSE(std::signbit(got.values[i]));
      }
    }
    if (ce) CHECK(got.scalar == kInf);
    // One finite entry: stablemax 1, log 0, loss 0, gradient 0.
    const RowResult single = run_row(kernel, {-kInf, -3}, 1);
    CHECK(single.values[1] == (kernel.op == Op::stablemax ? 1 : 0));
    if (ce) CHECK(single.scalar == 0);
    // Empty rows: no outputs, loss NaN (checked by run_kernel's untouched buffers).
    const auto empty = run_kernel(kernel, {{}, {}}, {0, 0}, 2);
    if (ce) CHECK(std::isnan(empty[0].scalar));
  }
}

TEST_CASE("StableMax kernels stay within the bounds their source states") {
  std::mt19937_64 rng(seed());
  for (const Kernel& kernel : stablemax_kernels()) {
    double worst = 0;
    for (int trial = 0; trial < scaled(150); ++trial) {
      const std::vector<double> x = random_row(rng, kernel.format);
      const std::size_t y = rng() % x.size();
      const double error = worst_error(kernel, x, y);
      INFO(kernel.name() << " n " << x.size() << " target " << y << " " << describe(x));
      CHECK(error <= stated_bound(kernel.op, x.size()));
      worst = std::max(worst, error);
    }
    WARN(kernel.name() << ": worst " << worst << " ulps");
  }
}

TEST_CASE("StableMax kernels at the ends of the range") {
  for (const Kernel& kernel : stablemax_kernels()) {
    const Format f = kernel.format;
    const double top = max_finite(f), tiny = denorm_min(f);
    for (const std::vector<double>& x :
         {std::vector<double>(5, -top), std::vector<double>(4, top),
          std::vector<double>{top, -top, 1, -1}, std::vector<double>{-top, -top / 2, -1e3},
          std::vector<double>{tiny, -tiny, 0, -0.0}, std::vector<double>{88, -top, 89, -top},
          std::vector<double>{top, top / 3, -88, 0.5}}) {
      INFO(kernel.name() << " " << describe(x));
      for (std::size_t y = 0; y < x.size(); ++y)
        CHECK(worst_error(kernel, x, y) <= stated_bound(kernel.op, x.size()));
    }
    // Equal logits: exactly 1/n up to the bound, for stablemax.
    if (kernel.op != Op::stablemax) continue;
    for (std::size_t n = 1; n <= 40; ++n) {
      const RowResult got = run_row(kernel, std::vector<double>(n, -top));
      for (double v : got.values) CHECK(ulp_error(v, 1.0L / n, f) <= stated_bound(kernel.op, n));
    }
  }
}

TEST_CASE("the planted bug s(x) = 1/(1 - x) everywhere is caught by the same check") {
  const Kernel bug = fixtures::planted_stablemax_kernel();
  std::mt19937_64 rng(seed());
  std::size_t caught = 0, rows = 0;
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<double> x = random_row(rng, Format::f32);
    x[0] = std::fabs(x[0]);  // at least one logit >= 0, where the bug shows
    ++rows;
    if (!(worst_error(bug, x, 0) <= stated_bound(Op::stablemax, x.size()))) ++caught;
  }
  CHECK(caught == rows);
}
