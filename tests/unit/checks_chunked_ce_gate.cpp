// Chunked cross-entropy with gradient filtering (src/kernels/chunked_ce.hpp): the built-in
// kernel holds its contract (the cross-entropy defaults, plus |error| <= eps/32 for the
// entries it filters) on every family, it does filter on long rows, and a kernel whose
// threshold is 100x too large fails the gate. The hidden test "[.table]" measures the
// filter's accuracy cost and the share of blocks skipped by vocabulary size.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <vector>

#include "checks/gate.hpp"
#include "core/rng.hpp"
#include "gate_test_support.hpp"
#include "kernels/chunked_ce.hpp"

using namespace softcheck;

namespace {

struct Output {
  float loss = 0;
  std::vector<float> gradient;
};

Output run_ce(const KernelFn& fn, const std::vector<float>& x, std::int64_t target) {
  Output o;
  o.gradient.assign(x.size(), 0.0f);
  KernelCall call{x.data(), o.gradient.data(), &o.loss, &target, 1, x.size(), x.size()};
  fn(call);
  return o;
}

std::vector<float> normal_row(std::size_t n, double sigma, Rng& rng) {
  std::vector<float> x(n);
  for (float& v : x) {
    // Box-Muller from two uniforms.
    const double u = 1.0 - rng.uniform(), w = rng.uniform();
    v = static_cast<float>(sigma * std::sqrt(-2 * std::log(u)) * std::cos(6.283185307179586 * w));
  }
  return x;
}

}  // namespace

TEST_CASE("the chunked cross-entropy kernel holds its contract on every family") {
  const Kernel& k = testing::builtin_kernel("builtin/cross_entropy/f32/chunked-b256-filter");
  CHECK(ContractSet::builtin().resolve(k.name()).abs_eps == 1.0 / 32);
  const GateResult result = run_gate({&k}, ContractSet::builtin(), testing::quick_gate_options());
  const KernelResult& r = result.kernels.front();
  INFO("verdict " << name(r.verdict));
  for (const Violation& v : r.reproducers)
    INFO(v.family << " row " << v.row << " got " << v.got << " expected " << v.expected);
  CHECK(r.verdict == Verdict::pass);
  CHECK(r.checks.at(Check::accuracy).elements > 0);
  CHECK(r.checks.at(Check::special).elements > 0);
}

TEST_CASE("the chunked kernel filters blocks, and only below eps/32") {
  Rng rng(testing::seed());
  const std::vector<float> x = normal_row(4096, 30.0, rng);
  const Output filtered = run_ce(kernels::make_chunked_ce(256, kernels::kChunkedCeThreshold), x, 7);
  const Output exact = run_ce(kernels::make_chunked_ce(256, 0.0), x, 7);
  CHECK(filtered.loss == exact.loss);
  std::size_t dropped = 0;
  for (std::size_t j = 0; j < x.size(); ++j) {
    if (filtered.gradient[j] == exact.gradient[j]) continue;
    ++dropped;
    CHECK(filtered.gradient[j] == 0.0f);
    CHECK(std::fabs(exact.gradient[j]) < kernels::kChunkedCeThreshold);
  }
  CHECK(dropped > 0);
}

TEST_CASE("the gate catches gradient filtering with a threshold 100x too large") {
  const Kernel planted{Op::cross_entropy, Format::f32, "chunked-planted-100x-threshold", "fixture",
                       kernels::make_chunked_ce(256, 100 * kernels::kChunkedCeThreshold)};
  // The planted kernel matches the contract glob */cross_entropy/*/chunked-*: same allowance.
  CHECK(ContractSet::builtin().resolve(planted.name()).abs_eps == 1.0 / 32);
  const GateResult result =
      run_gate({&planted}, ContractSet::builtin(), testing::quick_gate_options());
  const KernelResult& r = result.kernels.front();
  CHECK(r.verdict == Verdict::fail);
  CHECK(r.checks.at(Check::accuracy).violations + r.checks.at(Check::subnormal).violations > 0);
}

TEST_CASE("chunked cross-entropy: filter cost by vocabulary size", "[.table]") {
  Rng rng(testing::seed());
  for (std::size_t vocab : {std::size_t{32768}, std::size_t{131072}, std::size_t{262144}}) {
    for (double sigma : {1.0, 3.0, 10.0}) {
      const std::vector<float> x = normal_row(vocab, sigma, rng);
      const Output filtered =
          run_ce(kernels::make_chunked_ce(256, kernels::kChunkedCeThreshold), x, 3);
      const Output exact = run_ce(kernels::make_chunked_ce(256, 0.0), x, 3);
      std::size_t skipped_blocks = 0;
      double worst = 0;
      for (std::size_t b = 0; b < vocab; b += 256) {
        bool all_zero = true;
        for (std::size_t j = b; j < b + 256; ++j) {
          all_zero &= filtered.gradient[j] == 0.0f && exact.gradient[j] != 0.0f;
          worst = std::max(worst, std::fabs(double(filtered.gradient[j]) - exact.gradient[j]));
        }
        skipped_blocks += all_zero;
      }
      std::cout << "V = " << vocab << " sigma = " << sigma << ": blocks skipped " << skipped_blocks
                << "/" << vocab / 256 << ", worst |error| " << worst
                << " (eps/32 = " << kernels::kChunkedCeThreshold << "), scratch: 0 bytes"
                << " (materialised softmax: " << vocab * 4 << " bytes)\n";
    }
  }
}
