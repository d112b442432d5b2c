// Double rounding onto the bf16 and f16 grids: the log-type outputs of rows whose gap
// g = m - x_j is exactly a midpoint of the storage grid. log_softmax_j = -g - L and the loss
// with the target at j, g + L, lie just beyond the midpoint (L = log1p(e^-g) > 0), so they
// round away from zero; a float sum that drops L (below half a float ulp of g, or 0 where
// exp underflowed) lands on the midpoint, and ties-to-even then rounds toward zero when the
// nearer-to-zero neighbour is even, as in every row here. Each built-in bf16 and f16 kernel
// of log_softmax and cross-entropy (scalar and SIMD), in every layout the SIMD kernels take
// apart: two-element rows back to back (the in-register blocks), short rows one at a time,
// and long rows (the general path), the other logits masked.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels_support.hpp"

using namespace softcheck;
using namespace softcheck::testing;

namespace {

// (m, x_j) with g = m - x_j a midpoint of the format's grid whose nearer-to-zero neighbour is
// even: g = 32 + ulp/2 (L = 1.2e-14, below half a float ulp of g) and g = 128 + ulp/2 (exp(-g)
// underflows in float: L is 0 there).
struct MidpointPair {
  double m;
  double x;
};

std::vector<MidpointPair> midpoint_pairs(Format format) {
  if (format == Format::bf16) return {{0x1p-3, -32.0}, {0x1p-1, -128.0}};  // 8-bit grid
  return {{0x1p-6, -32.0}, {0x1p-4, -128.0}};                              // f16: 11 bits
}

// The correctly rounded value of v pushed just beyond the midpoint it is, away from zero.
double beyond_midpoint(double v, Format format) {
  REQUIRE(round_to_format_with_tie(v, format).tie);
  return round_to_format(v * (1 + 0x1p-30), format);
}

std::vector<const Kernel*> narrow_log_kernels() {
  std::vector<const Kernel*> kernels;
  for (const Kernel& kernel : builtin_kernels()) {
    const bool narrow = kernel.format == Format::bf16 || kernel.format == Format::f16;
    const bool log_type = kernel.op == Op::log_softmax || kernel.op == Op::cross_entropy;
    if (narrow && log_type) kernels.push_back(&kernel);
  }
  return kernels;
}

// Checks the outputs at j (log_softmax_j, or the loss with the target at j) of one row.
void check_midpoint_outputs(const Kernel& kernel, const RowResult& got, std::size_t j, double g) {
  if (kernel.op == Op::log_softmax) {
    CHECK(got.values[j] == beyond_midpoint(-g, kernel.format));
  } else {
    CHECK(got.scalar == beyond_midpoint(g, kernel.format));
  }
}

}  // namespace

TEST_CASE("log_softmax and the loss of bf16 and f16 round a midpoint gap plus L correctly") {
  const auto kernels = narrow_log_kernels();
  REQUIRE(kernels.size() >= 8);
  for (const Kernel* kernel : kernels) {
    for (const MidpointPair pair : midpoint_pairs(kernel->format)) {
      const double g = pair.m - pair.x;
      INFO(kernel->name() << " m " << pair.m << " x_j " << pair.x);
      // Two-element rows back to back, both orders, 32 rows (whole blocks on every target).
      for (const bool x_first : {false, true}) {
        const std::vector<double> row =
            x_first ? std::vector<double>{pair.x, pair.m} : std::vector<double>{pair.m, pair.x};
        const std::size_t j = x_first ? 0 : 1;
        const std::vector<std::vector<double>> rows(32, row);
        const std::vector<std::int64_t> targets(32, static_cast<std::int64_t>(j));
        for (const RowResult& got : run_kernel(*kernel, rows, targets, 2))
          check_midpoint_outputs(*kernel, got, j, g);
      }
      // One row at a time: short and long, the rest masked.
      for (const std::size_t n : {std::size_t{3}, std::size_t{8}, std::size_t{64},
                                  std::size_t{1000}}) {
        INFO("n " << n);
        std::vector<double> row(n, -HUGE_VAL);
        row[0] = pair.m;
        row[n - 1] = pair.x;
        check_midpoint_outputs(*kernel, run_row(*kernel, row, static_cast<std::int64_t>(n - 1)),
                               n - 1, g);
      }
    }
  }
}

TEST_CASE("a row whose other logits are all masked keeps L exactly 0 in bf16 and f16") {
  // No finite logit below the maximum: log_softmax at the maximum is exactly 0, the loss of a
  // target at the maximum exactly 0 (not the 2^-149 that stands in for an underflowed L).
  for (const Kernel* kernel : narrow_log_kernels()) {
    INFO(kernel->name());
    const std::vector<double> row{-HUGE_VAL, 40.0, -HUGE_VAL};
    const RowResult got = run_row(*kernel, row, 1);
    if (kernel->op == Op::log_softmax) {
      CHECK(got.values[1] == 0.0);
    } else {
      CHECK(got.scalar == 0.0);
    }
  }
}
