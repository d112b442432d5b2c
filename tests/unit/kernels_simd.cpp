// The SIMD kernels (src/kernels/simd): on every Highway target this CPU runs (the dispatched
// one, then AVX2, SSE4, SSSE3 and the one-lane SCALAR fallback, forced one after another),
// every length across the tile boundaries, 1..(2 * unroll * 16 lanes + 1) and around larger
// multiples, compared with the long double model of kernels_support.hpp and with the scalar
// two-pass kernel; softmax rows sum to one; and the special-value table of row.hpp with the
// special element in every position class (first tile, single vectors, tail). The gate
// checks the same kernels against MPFR: tests/cli/test_simd_gate.py. Streaming stores (long
// f32 rows) give the same bits as ordinary stores, at every length and output alignment.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "kernels/simd/simd.hpp"
#include "kernels_support.hpp"
#include "test_seed.hpp"
#include "test_skip.hpp"
#include "test_values.hpp"

#ifndef SOFTCHECK_HAVE_HWY
// Without Highway neither the SIMD kernels nor simd.hpp's functions are built (cmake/Simd.cmake).
SOFTCHECK_SKIP_FILE("Highway not found: no SIMD kernels built (cmake/Simd.cmake)");
#else

using namespace softcheck;
using namespace softcheck::testing;

using softcheck::test::kInf;
using softcheck::test::kNaN;
using softcheck::test::normal_row;

namespace {

constexpr std::size_t kMaxLanes = 16;  // AVX-512 f32
constexpr std::size_t kTile = kernels::kSimdUnroll * kMaxLanes;

// Budget in f32 ulps (storage_ulps converts for bf16/f16): the exp (< 1 ulp), its
// argument's TwoSum correction (second order), 1 + s, the reciprocal and the product, and
// the per-lane recursive sums, whose error grows with the terms per lane (n / lanes / 4
// accumulators, at least 1 on the scalar target): kSimdBaseUlps + kPerTerm * n. softmax rounds
// x_i - max once (no TwoSum, simd_softmax.cpp): plus the contract's 1 ulp per unit of gap.
constexpr double kSimdBaseUlps = 6;
constexpr double kPerTerm = 1.0 / 16;

double budget(const Kernel& kernel, std::size_t n, double gap = 0) {
  const double gap_term = kernel.op == Op::softmax ? gap : 0;
  return storage_ulps(kernel.format, kSimdBaseUlps + kPerTerm * static_cast<double>(n) + gap_term);
}

Registry& registry() {
  static Registry instance = [] {
    Registry r;
    register_builtin_kernels(r);
    return r;
  }();
  return instance;
}

std::vector<const Kernel*> simd_kernels() { return registry().match("builtin/*/*/simd-*"); }

const Kernel& scalar_two_pass(const Kernel& kernel) {
  const std::string name = "builtin/" + std::string(softcheck::name(kernel.op)) + "/" +
                           std::string(traits(kernel.format).name) + "/two-pass";
  const auto match = registry().match(name);
  REQUIRE(match.size() == 1);
  return *match[0];
}

// The targets to test: "" (the CPU's choice) and every other one that is compiled in and
// supported here. Restores the CPU's choice when destroyed.
struct TargetSweep {
  std::vector<std::string> targets;
  TargetSweep() {
    for (const char* name : {"", "avx3", "avx2", "sse4", "ssse3", "emu128", "scalar"})
      if (kernels::simd_force_target(name)) targets.emplace_back(name);
    kernels::simd_force_target("");
  }
  ~TargetSweep() { kernels::simd_force_target(""); }
};

std::vector<std::size_t> tile_lengths() {
  std::vector<std::size_t> lengths;
  for (std::size_t n = 1; n <= 2 * kTile + 1; ++n) lengths.push_back(n);
  for (std::size_t k : {3, 4, 8, 16, 64})
    for (std::size_t n : {k * kTile - 1, k * kTile, k * kTile + 1}) lengths.push_back(n);
  return lengths;
}

// The raw outputs of an f32 kernel on one row whose outputs start `offset` floats past a
// 64-byte boundary (so the streaming head meets every misalignment), with the streaming
// threshold set to stream_bytes: the outputs with kMaxLanes floats either side (which must
// stay untouched) and the loss.
struct RawRun {
  std::vector<float> out;
  float loss = 0;
};

RawRun run_raw(const Kernel& kernel, const std::vector<float>& row, std::size_t offset,
               std::size_t stream_bytes) {
  const std::int64_t target = static_cast<std::int64_t>(row.size() / 2);
  std::vector<float> buffer(row.size() + 4 * kMaxLanes, -1.0f);
  const auto address = reinterpret_cast<std::uintptr_t>(buffer.data() + kMaxLanes);
  const std::size_t base = kMaxLanes + (64 - address % 64) % 64 / sizeof(float);
  RawRun run;
  KernelCall call;
  call.x = row.data();
  call.out = buffer.data() + base + offset;
  call.loss = &run.loss;
  call.target = &target;
  call.rows = 1;
  call.n = row.size();
  call.stride = row.size();
  const std::size_t previous = kernels::simd_set_stream_bytes(stream_bytes);
  kernel.run(call);
  kernels::simd_set_stream_bytes(previous);
  const auto window = buffer.begin() + static_cast<std::ptrdiff_t>(base + offset - kMaxLanes);
  run.out.assign(window, window + static_cast<std::ptrdiff_t>(row.size() + 2 * kMaxLanes));
  return run;
}

bool same_bits(const RawRun& a, const RawRun& b) {
  return a.out.size() == b.out.size() &&
         std::memcmp(a.out.data(), b.out.data(), a.out.size() * sizeof(float)) == 0 &&
         std::memcmp(&a.loss, &b.loss, sizeof(float)) == 0;
}

std::vector<float> normal_f32_row(Rng& rng, std::size_t n, double scale) {
  std::vector<float> row(n);
  for (float& v : row) v = static_cast<float>(scale * rng.normal());
  return row;
}

// Three-pass-reload never streams (simd_softmax.cpp, RunRows).
bool streams(const Kernel& kernel) {
  return kernel.algorithm.find("three-pass-reload") == std::string::npos;
}

constexpr std::size_t kNever = std::numeric_limits<std::size_t>::max();

}  // namespace

TEST_CASE("every SIMD kernel is registered once, named by its dispatched target") {
  const auto kernels = simd_kernels();
  CHECK(kernels.size() == 3 * 3 * 4);  // softmax, log_softmax, cross_entropy x f32, bf16, f16
  const std::string target = kernels::simd_target_name();
  for (const Kernel* kernel : kernels) {
    INFO(kernel->name());
    CHECK(kernel->algorithm.find("-" + target + "-u4a4") != std::string::npos);
  }
  std::printf("SIMD target: %s\n", target.c_str());
}

TEST_CASE("SIMD kernels match the model and the scalar two-pass kernel at every tile boundary") {
  TargetSweep sweep;
  for (const std::string& target : sweep.targets) {
    REQUIRE(kernels::simd_force_target(target));
    for (const Kernel* kernel : simd_kernels()) {
      const Kernel& twin = scalar_two_pass(*kernel);
      Rng rng(derive_seed(seed(), std::hash<std::string>{}(kernel->name() + target)));
      double worst = 0, worst_sum = 0;
      for (std::size_t n : tile_lengths()) {
        const double scale = n % 3 == 0 ? 30.0 : 3.0;
        const std::vector<double> row = normal_row(rng, n, scale, kernel->format);
        const std::size_t target_index = rng.below(n);
        const RowResult got = run_row(*kernel, row, static_cast<std::int64_t>(target_index));
        const RowResult scalar = run_row(twin, row, static_cast<std::int64_t>(target_index));
        const Expected want = expected(kernel->op, row, target_index);
        const double max = *std::max_element(row.begin(), row.end());
        const double allowed_row = budget(*kernel, n);
        INFO(kernel->name() << " on target '" << target << "', n " << n << ", target "
                            << target_index << ", row " << describe(row));
        double sum = 0;
        for (std::size_t i = 0; i < n; ++i) {
          INFO("element " << i << ": got " << got.values[i] << ", scalar " << scalar.values[i]
                          << ", model " << double(want.values[i]));
          const double allowed = budget(*kernel, n, max - row[i]);
          const double error = ulp_error(got.values[i], want.values[i], kernel->format);
          const double twin_error = ulp_error(scalar.values[i], want.values[i], kernel->format);
          CHECK(error <= allowed);
          // Both are within their budgets of the model, so within the sum of each other.
          CHECK(std::fabs(got.values[i] - scalar.values[i]) <=
                (allowed + twin_error) * ulp(static_cast<double>(want.values[i]), kernel->format));
          worst = std::max(worst, error);
          sum += got.values[i];
        }
        if (kernel->op == Op::cross_entropy) {
          const double error = ulp_error(got.scalar, want.scalar, kernel->format);
          CHECK(error <= allowed_row);
          worst = std::max(worst, error);
        }
        if (kernel->op == Op::softmax) {
          // The normaliser's share of the error, common to all outputs (the gap terms are
          // the elements' own and weigh by their outputs: at most ln n, README).
          const double sum_error = std::fabs(sum - 1) / ulp(1.0, kernel->format);
          CHECK(sum_error <= allowed_row + std::log(double(n)) + 1);
          worst_sum = std::max(worst_sum, sum_error);
        }
      }
      std::printf("  %-8s %-58s worst %6.3f ulps, sum-to-one %6.3f ulps\n",
                  target.empty() ? "default" : target.c_str(), kernel->name().c_str(), worst,
                  worst_sum);
    }
  }
}

TEST_CASE("SIMD kernels follow the special-value table in every position of a row") {
  TargetSweep sweep;
  for (const std::string& target : sweep.targets) {
    REQUIRE(kernels::simd_force_target(target));
    for (const Kernel* kernel : simd_kernels()) {
      Rng rng(derive_seed(seed(), std::hash<std::string>{}(kernel->name() + target) + 1));
      for (std::size_t n : {1, 7, 16, 17, 63, 64, 65, 80, 129}) {
        const std::vector<double> base = normal_row(rng, n, 3.0, kernel->format);
        for (std::size_t p : {std::size_t{0}, n / 2, n - 1}) {
          const std::size_t other = (p + 1) % n;
          INFO(kernel->name() << " on target '" << target << "', n " << n << ", position " << p);
          for (double special : {kNaN, kInf}) {
            std::vector<double> row = base;
            row[p] = special;
            const RowResult got = run_row(*kernel, row, static_cast<std::int64_t>(other));
            for (double v : got.values) CHECK(std::isnan(v));
            if (kernel->op == Op::cross_entropy) CHECK(std::isnan(got.scalar));
          }
          // One masked logit (n > 1): +0, -inf, or the gradient's 0; masked target: loss
          // +inf and gradient exactly -1.
          if (n == 1) continue;
          std::vector<double> row = base;
          row[p] = -kInf;
          const RowResult got = run_row(*kernel, row, static_cast<std::int64_t>(other));
          const RowResult masked_target = run_row(*kernel, row, static_cast<std::int64_t>(p));
          if (kernel->op == Op::softmax) {
            CHECK((got.values[p] == 0 && !std::signbit(got.values[p])));
          } else if (kernel->op == Op::log_softmax) {
            CHECK(got.values[p] == -kInf);
          } else {
            CHECK((got.values[p] == 0 && !std::signbit(got.values[p])));
            CHECK(std::isfinite(got.scalar));
            CHECK(masked_target.scalar == kInf);
            CHECK(masked_target.values[p] == -1);
          }
        }
        // Fully masked: NaN everywhere; ties: softmax 1/n, log_softmax -log n.
        const RowResult masked =
            run_row(*kernel, std::vector<double>(n, -kInf), static_cast<std::int64_t>(0));
        for (double v : masked.values) CHECK(std::isnan(v));
        const RowResult ties = run_row(*kernel, std::vector<double>(n, 2.0), 0);
        const double tie = kernel->op == Op::log_softmax ? -std::log(double(n)) : 1.0 / double(n);
        for (std::size_t i = kernel->op == Op::cross_entropy ? 1 : 0; i < n; ++i)
          CHECK(ulp_error(ties.values[i], tie, kernel->format) <= budget(*kernel, n));
      }
      // Empty rows: no outputs; the cross-entropy loss is NaN.
      const RowResult empty = run_kernel(*kernel, {std::vector<double>{}}, {0}, 4)[0];
      if (kernel->op == Op::cross_entropy) CHECK(std::isnan(empty.scalar));
    }
  }
}

// Rows stored back to back (stride n) go through RowsInRegisters when n is 1, 2, 4 or 8 below
// a vector, or 1, 2, 4 or 8 whole vectors: several rows per vector, reduced in groups of
// lanes (log_softmax rows of whole vectors: LogSoftmaxBlocks, one Log1p per block of rows). Every row must get the bits it gets alone (one row per call takes the per-row path),
// its loss included; a group holding a special row (or, for cross-entropy, an out-of-range
// target) the special outputs for that row and the ordinary ones for its neighbours; and the
// rows past the last whole group the per-row path.
TEST_CASE("SIMD kernels give a row the same bits back to back in a batch as alone") {
  TargetSweep sweep;
  for (const std::string& target : sweep.targets) {
    REQUIRE(kernels::simd_force_target(target));
    for (const Kernel* kernel : simd_kernels()) {
      Rng rng(derive_seed(seed(), std::hash<std::string>{}(kernel->name() + target) + 4));
      for (std::size_t n : {1, 2, 3, 4, 8, 12, 16, 24, 32, 48, 64, 128, 129}) {
        std::vector<std::vector<double>> rows;
        std::vector<std::int64_t> targets;
        for (std::size_t r = 0; r < 37; ++r) {
          rows.push_back(normal_row(rng, n, r % 3 == 0 ? 30.0 : 3.0, kernel->format));
          targets.push_back(static_cast<std::int64_t>(rng.below(n)));
        }
        rows[5][n / 2] = kNaN;
        rows[11][n - 1] = kInf;
        rows[17].assign(n, -kInf);
        if (n > 1) rows[20][0] = -kInf, targets[20] = 0;  // a masked target
        rows[36][n / 3] = kNaN;  // past the last whole group for most n
        targets[25] = static_cast<std::int64_t>(n);  // out of range: loss and gradient NaN
        const std::vector<RowResult> batch = run_kernel(*kernel, rows, targets, n);
        for (std::size_t r = 0; r < rows.size(); ++r) {
          const RowResult alone = run_row(*kernel, rows[r], targets[r]);
          INFO(kernel->name() << " on target '" << target << "', n " << n << ", row " << r
                              << ", target " << targets[r]);
          const bool special = r == 5 || r == 11 || r == 17 || r == 36 ||
                               (r == 25 && kernel->op == Op::cross_entropy);
          for (std::size_t i = 0; i < n; ++i) {
            INFO("element " << i << ": batch " << batch[r].values[i] << ", alone "
                            << alone.values[i]);
            CHECK(std::memcmp(&batch[r].values[i], &alone.values[i], sizeof(double)) == 0);
            if (special) CHECK(std::isnan(batch[r].values[i]));
          }
          INFO("loss: batch " << batch[r].scalar << ", alone " << alone.scalar);
          CHECK(std::memcmp(&batch[r].scalar, &alone.scalar, sizeof(double)) == 0);
        }
      }
    }
  }
}

TEST_CASE("SIMD streaming stores give the bits of ordinary stores at every length and alignment") {
  TargetSweep sweep;
  for (const std::string& target : sweep.targets) {
    REQUIRE(kernels::simd_force_target(target));
    for (const Kernel* kernel : registry().match("builtin/*/f32/simd-*")) {
      Rng rng(derive_seed(seed(), std::hash<std::string>{}(kernel->name() + target) + 2));
      const std::size_t streamed_before = kernels::simd_streamed_rows();
      for (std::size_t n : tile_lengths()) {
        const std::vector<float> row = normal_f32_row(rng, n, n % 3 == 0 ? 30.0 : 3.0);
        for (std::size_t offset = 0; offset < kMaxLanes; ++offset) {
          INFO(kernel->name() << " on target '" << target << "', n " << n << ", offset " << offset);
          CHECK(same_bits(run_raw(*kernel, row, offset, 0), run_raw(*kernel, row, offset, kNever)));
        }
      }
      // Threshold 0: every row of the streaming algorithms took the streaming path, but the
      // short rows, which stay in registers.
      INFO(kernel->name() << " on target '" << target << "'");
      std::size_t rows = 0;
      for (std::size_t n : tile_lengths()) rows += n <= kernels::simd_short_row_length() ? 0 : kMaxLanes;
      CHECK(kernels::simd_streamed_rows() - streamed_before == (streams(*kernel) ? rows : 0));
    }
  }
}

TEST_CASE("SIMD kernels stream a row above the default threshold, with the same bits") {
  const std::size_t n = kernels::kSimdStreamBytes / sizeof(float) + 37;
  Rng rng(derive_seed(seed(), 3));
  const std::vector<float> row = normal_f32_row(rng, n, 3.0);
  for (const Kernel* kernel : registry().match("builtin/*/f32/simd-*")) {
    INFO(kernel->name());
    const std::size_t streamed_before = kernels::simd_streamed_rows();
    const RawRun streamed = run_raw(*kernel, row, 1, kernels::kSimdStreamBytes);
    CHECK(kernels::simd_streamed_rows() - streamed_before == (streams(*kernel) ? 1u : 0u));
    CHECK(same_bits(streamed, run_raw(*kernel, row, 1, kNever)));
  }
}

TEST_CASE("the vector exp gives the same bits in one product as in its two-step scaling") {
  // A vector whose lanes all lie in [-87, 88] takes p * 2^n in one product and no clamps
  // (simd_exp-inl.h, VecExp); one lane outside sends the whole vector the clamped two-step
  // way. Each block of 64 floats goes through twice: as it is, and with every fourth float
  // replaced by -100, which sends every vector of 4, 8 or 16 lanes the two-step way; the other
  // lanes must agree bit for bit. Every float of [-88, -86] (results near and below 2^-126,
  // where only p * 2^n rounds, and the bound) and of [87, 89] (the bound, and overflow), and a
  // sample of the whole range.
  std::vector<float> x;
  for (float v = -88.0f; v <= -86.0f; v = std::nextafter(v, 0.0f)) x.push_back(v);
  for (float v = 87.0f; v <= 89.0f; v = std::nextafter(v, 100.0f)) x.push_back(v);
  for (float v = -87.0f; v <= 88.0f; v += 0x1p-12f) x.push_back(v);
  x.resize((x.size() + 63) / 64 * 64, 0.0f);
  std::vector<float> mixed = x;
  for (std::size_t i = 0; i < mixed.size(); i += 4) mixed[i] = -100.0f;
  std::vector<float> one_product(x.size()), two_step(x.size());
  TargetSweep sweep;
  for (const std::string& target : sweep.targets) {
    REQUIRE(kernels::simd_force_target(target));
    INFO("target " << (target.empty() ? "dispatched" : target));
    kernels::simd_exp(x.data(), one_product.data(), x.size());
    kernels::simd_exp(mixed.data(), two_step.data(), x.size());
    std::size_t different = 0;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (i % 4 != 0 && std::memcmp(&one_product[i], &two_step[i], sizeof(float)) != 0) ++different;
    CHECK(different == 0);
  }
}

#endif  // SOFTCHECK_HAVE_HWY
