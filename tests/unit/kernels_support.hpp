// Shared by the kernels_* tests: run a registered kernel on rows of doubles (values already
// representable in the kernel's format), check that it wrote nothing outside its outputs,
// and compare with a long double evaluation of the same "1 + s" formulas. Kernel tests link
// only softcheck_kernels and softcheck_core, so the MPFR reference is not available here;
// long double (64-bit significand on x86-64) has 11 bits more than f64 and 40 more than f32.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "core/format.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::testing {

static_assert(std::numeric_limits<long double>::digits >= 64, "needs x87 extended precision");

// The built-in kernels of the softmax family, whose results the long double model below
// computes (the StableMax kernels have their own tests: kernels_stablemax.cpp).
inline const std::vector<Kernel>& builtin_kernels() {
  static const std::vector<Kernel> kernels = [] {
    Registry registry;
    register_builtin_kernels(registry);
    std::vector<Kernel> softmax_family;
    for (const Kernel& kernel : registry.all())
      // Chunked cross-entropy drops gradient entries below eps/32 by design (its own tests:
      // checks_chunked_ce_gate.cpp).
      if (in_family(kernel.op, "softmax") && kernel.algorithm.rfind("chunked-", 0) != 0)
        softmax_family.push_back(kernel);
    return softmax_family;
  }();
  return kernels;
}

// The SIMD kernels (src/kernels/simd) round x - max once in softmax, so their error has the
// contract's gap term; tests/unit/kernels_simd.cpp holds them to their own budget.
inline bool is_simd(const Kernel& kernel) { return kernel.algorithm.starts_with("simd-"); }

inline bool is_naive(const Kernel& kernel) {
  return kernel.algorithm == "naive";
}
inline bool has_vector_output(Op op) {
  return !has_row_output(op);
}
inline bool has_scalar_output(Op op) {
  return has_row_output(op) || has_loss(op);
}

struct RowResult {
  std::vector<double> values;  // n outputs (softmax, log_softmax, gradient)
  double scalar = 0;           // logsumexp or loss
};

// Runs the kernel on `rows` (all of the same length n) laid out with `stride` >= n; the
// output buffers start as 0xFF bytes (a NaN in every format), and everything the kernel may
// not write must still be 0xFF afterwards.
inline std::vector<RowResult> run_kernel(const Kernel& kernel,
                                         const std::vector<std::vector<double>>& rows,
                                         const std::vector<std::int64_t>& targets,
                                         std::size_t stride) {
  const Format f = kernel.format;
  const std::size_t bytes = traits(f).storage_bytes;
  const std::size_t n = rows.empty() ? 0 : rows[0].size();
  const std::size_t padded = std::max<std::size_t>(rows.size() * stride, 1);
  std::vector<unsigned char> x(padded * bytes);
  std::vector<unsigned char> out((padded + 2) * bytes, 0xFF);
  std::vector<unsigned char> loss((rows.size() + 2) * bytes, 0xFF);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t i = 0; i < stride; ++i)
      store(f, x.data(), r * stride + i, i < n ? rows[r][i] : 1e4);  // padding: a large logit
  }
  KernelCall call;
  call.x = x.data();
  call.out = out.data();
  call.loss = loss.data();
  call.target = targets.data();
  call.rows = rows.size();
  call.n = n;
  call.stride = stride;
  kernel.run(call);

  const auto untouched = [&](const std::vector<unsigned char>& buffer, std::size_t index) {
    return std::all_of(buffer.begin() + index * bytes, buffer.begin() + (index + 1) * bytes,
                       [](unsigned char b) { return b == 0xFF; });
  };
  std::vector<RowResult> results(rows.size());
  const Op op = kernel.op;
  for (std::size_t index = 0; index < padded + 2; ++index) {
    const bool written = has_row_output(op) ? index < rows.size()
                                             : index < rows.size() * stride && index % stride < n;
    if (!written) REQUIRE(untouched(out, index));
  }
  for (std::size_t index = 0; index < rows.size() + 2; ++index)
    if (!has_loss(op) || index >= rows.size()) REQUIRE(untouched(loss, index));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (has_row_output(op)) results[r].scalar = load(f, out.data(), r);
    if (has_loss(op)) results[r].scalar = load(f, loss.data(), r);
    if (has_vector_output(op))
      for (std::size_t i = 0; i < n; ++i)
        results[r].values.push_back(load(f, out.data(), r * stride + i));
  }
  return results;
}

inline RowResult run_row(const Kernel& kernel, const std::vector<double>& row,
                         std::int64_t target = 0, std::size_t padding = 3) {
  return run_kernel(kernel, {row}, {target}, row.size() + padding)[0];
}

// The exact results of a row with a finite maximum, in long double.
struct Expected {
  std::vector<long double> values;  // the op's n outputs
  long double scalar = 0;           // logsumexp or loss
  long double max = 0;
  long double log_sum = 0;  // log1p(s)
};

inline Expected expected(Op op, const std::vector<double>& x, std::size_t target) {
  using L = long double;
  const std::size_t n = x.size();
  const std::size_t a = static_cast<std::size_t>(std::max_element(x.begin(), x.end()) - x.begin());
  const L m = x[a];
  std::vector<L> e(n);
  L s = 0;
  for (std::size_t j = 0; j < n; ++j) {
    e[j] = std::exp(static_cast<L>(x[j]) - m);
    if (j != a) s += e[j];
  }
  Expected result;
  result.max = m;
  result.log_sum = std::log1p(s);
  for (std::size_t j = 0; j < n; ++j) {
    if (op == Op::softmax) {
      result.values.push_back(e[j] / (1 + s));
    } else if (op == Op::log_softmax) {
      result.values.push_back((x[j] - m) - result.log_sum);
    } else if (op == Op::logsumexp) {
    } else if (op == Op::cross_entropy) {
      result.values.push_back(j == target ? 0.0L : e[j] / (1 + s));
    }
  }
  if (op == Op::logsumexp) result.scalar = m + result.log_sum;
  if (op == Op::cross_entropy) {
    L others = 0;
    for (std::size_t j = 0; j < n; ++j)
      if (j != target) others += e[j];
    result.values[target] = -others / (1 + s);
    result.scalar = (m - x[target]) + result.log_sum;
  }
  return result;
}

// |got - exact| in ulps of the exact value in format f (below the smallest normal: in units
// of the smallest subnormal). Infinite exact values must be matched exactly.
inline double ulp_error(double got, long double exact, Format f) {
  if (std::isinf(exact)) return got == exact ? 0.0 : std::numeric_limits<double>::infinity();
  if (std::isnan(got)) return std::numeric_limits<double>::infinity();
  const double spacing = ulp(static_cast<double>(exact), f);
  return static_cast<double>(std::fabs(got - exact) / spacing);
}

// An error budget given in ulps of the accumulator (f32 for bf16/f16), expressed in ulps of
// the storage format: narrow formats add the final rounding's half ulp.
inline double storage_ulps(Format f, double accumulator_ulps) {
  if (f == Format::f32 || f == Format::f64) return accumulator_ulps;
  return 0.5 + std::ldexp(accumulator_ulps, traits(f).precision - 24);
}

inline std::string describe(const std::vector<double>& x) {
  std::string text = "[";
  for (std::size_t i = 0; i < x.size() && i < 40; ++i) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%s%.17g", i ? ", " : "", x[i]);
    text += buffer;
  }
  return text + (x.size() > 40 ? ", ...]" : "]");
}

}  // namespace softcheck::testing
