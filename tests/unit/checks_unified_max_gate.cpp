// Unified-max softmax (src/kernels/unified_max.hpp): the fallback fires exactly when some
// x - phi leaves the window [a, b] (the kernel's outputs are bit for bit the fast path's on
// in-window rows and three-pass-recompute's on the others); the built-in kernels hold the
// softmax contract on every family; a planted kernel without the fallback fails the gate,
// on the unified-max-window family alone.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <iostream>
#include <limits>
#include <vector>

#include "checks/gate.hpp"
#include "core/rng.hpp"
#include "gate_test_support.hpp"
#include "kernels/unified_max.hpp"
#include "test_seed.hpp"

using namespace softcheck;
using kernels::UnifiedMaxParameters;

namespace {

std::vector<float> run_softmax(const KernelFn& fn, const std::vector<float>& x, std::size_t n) {
  std::vector<float> out(x.size());
  KernelCall call;
  call.x = x.data();
  call.out = out.data();
  call.rows = x.size() / n;
  call.n = n;
  call.stride = n;
  fn(call);
  return out;
}

bool same_bits(const float* a, const float* b, std::size_t n) {
  return std::memcmp(a, b, n * sizeof(float)) == 0;
}

GateOptions only_family(const char* family) {
  GateOptions options = testing::quick_gate_options();
  options.include_batch = [family](const Kernel&, const std::string& f, std::size_t) {
    return f == family;
  };
  return options;
}

}  // namespace

TEST_CASE("the unified-max window is [phi + a, phi + b], inclusive, NaN and infinities out") {
  const UnifiedMaxParameters p;  // phi 6, [-15, 15]
  CHECK(kernels::unified_max_algorithm(p) == "unified-max-phi6-a-15-b15");
  CHECK(kernels::in_unified_max_window(21.0, p));
  CHECK(kernels::in_unified_max_window(-9.0, p));
  CHECK(kernels::in_unified_max_window(6.0, p));
  CHECK_FALSE(kernels::in_unified_max_window(std::nextafter(21.0f, 100.0f), p));
  CHECK_FALSE(kernels::in_unified_max_window(std::nextafter(-9.0f, -100.0f), p));
  CHECK(kernels::in_unified_max_window(std::nextafter(21.0f, 0.0f), p));
  CHECK(kernels::in_unified_max_window(std::nextafter(-9.0f, 0.0f), p));
  CHECK_FALSE(kernels::in_unified_max_window(std::numeric_limits<double>::quiet_NaN(), p));
  CHECK_FALSE(kernels::in_unified_max_window(-std::numeric_limits<double>::infinity(), p));
  CHECK_FALSE(kernels::in_unified_max_window(std::numeric_limits<double>::infinity(), p));
}

TEST_CASE("the unified-max fallback fires exactly on rows with some x - phi outside [a, b]") {
  const UnifiedMaxParameters p;
  const KernelFn kernel = kernels::make_unified_max_softmax(Format::f32, p);
  const KernelFn fast_only = kernels::make_unified_max_softmax(Format::f32, p, false);
  const KernelFn& ordinary =
      testing::builtin_kernel("builtin/softmax/f32/three-pass-recompute").run;
  // Rows of 70 elements (two partial blocks) near the edges: each element is inside, at an
  // edge, or (odd rows only) one ulp outside with probability 1/50.
  constexpr std::size_t kN = 70, kRows = 400;
  Rng rng(testing::seed());
  std::vector<float> x(kN * kRows);
  for (std::size_t i = 0; i < x.size(); ++i) {
    float& v = x[i];
    const bool may_leave = (i / kN) % 2 == 1;
    switch (may_leave ? rng.below(50) : 2 + rng.below(48)) {
      case 0:
        v = std::nextafter(21.0f, 100.0f);
        break;
      case 1:
        v = std::nextafter(-9.0f, -100.0f);
        break;
      case 2:
        v = 21.0f;
        break;
      case 3:
        v = -9.0f;
        break;
      default:
        v = static_cast<float>(rng.uniform(-9.0, 21.0));
    }
  }
  const auto got = run_softmax(kernel, x, kN);
  const auto fast = run_softmax(fast_only, x, kN);
  const auto slow = run_softmax(ordinary, x, kN);
  std::size_t fell_back = 0, distinguishable = 0;
  for (std::size_t r = 0; r < kRows; ++r) {
    const std::size_t o = r * kN;
    bool inside = true;
    for (std::size_t j = 0; j < kN; ++j) inside &= kernels::in_unified_max_window(x[o + j], p);
    INFO("row " << r << " inside " << inside);
    CHECK(same_bits(&got[o], inside ? &fast[o] : &slow[o], kN));
    fell_back += !inside;
    distinguishable += !same_bits(&fast[o], &slow[o], kN);
  }
  // Both kinds of rows occur, and the two paths differ on enough rows for the bitwise
  // comparison to tell which one ran.
  CHECK(fell_back > 50);
  CHECK(kRows - fell_back > 50);
  CHECK(distinguishable > kRows / 4);
}

TEST_CASE("the built-in unified-max softmax kernels hold the softmax contract") {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  const auto kernels = registry.match("builtin/softmax/*/unified-max-*");
  REQUIRE(kernels.size() == 3);  // f32, bf16, f16
  const GateResult result =
      run_gate(kernels, ContractSet::builtin(), testing::quick_gate_options());
  testing::check_every_kernel_passes(result);
  // The window family on its own: the rows that need the fallback get it.
  const GateResult window =
      run_gate(kernels, ContractSet::builtin(), only_family("unified-max-window"));
  for (const KernelResult& k : window.kernels) {
    INFO(k.kernel->name());
    CHECK(k.verdict == Verdict::pass);
    CHECK(k.checks.at(Check::accuracy).elements > 0);
  }
}

TEST_CASE("the gate catches a unified-max softmax that skips the fallback") {
  const UnifiedMaxParameters p;
  std::vector<Kernel> planted;
  for (Format f : {Format::f32, Format::bf16, Format::f16})
    planted.push_back(Kernel{Op::softmax, f, "planted-unified-max-no-fallback", "fixture",
                             kernels::make_unified_max_softmax(f, p, false)});
  std::vector<const Kernel*> selected;
  for (const Kernel& k : planted) selected.push_back(&k);
  // On the window family alone: exp(x - phi) overflows (x - phi = 105) or every term
  // underflows to 0 (x - phi < -110), giving inf/NaN where softmax is finite.
  const GateResult result =
      run_gate(selected, ContractSet::builtin(), only_family("unified-max-window"));
  for (const KernelResult& k : result.kernels) {
    INFO(k.kernel->name());
    CHECK(k.verdict == Verdict::fail);
    CHECK(k.checks.at(Check::accuracy).violations > 0);
    REQUIRE_FALSE(k.reproducers.empty());
    CHECK(k.reproducers.front().family == "unified-max-window");
  }
}

// README "Unified-max softmax": where the fast path without the fallback stays accurate.
// Rows of 64 logits uniform in [phi + d - 1, phi + d] for a sweep of offsets d; the error is
// the largest |fast - ordinary| / ordinary over the rows (ordinary: three-pass-recompute,
// within 3.6 ulps of the correctly rounded softmax), in f32 ulps; inf when the fast path
// produced a non-finite value.
TEST_CASE("unified-max regions: the fast path's error by offset from phi", "[.table]") {
  const UnifiedMaxParameters p;
  const KernelFn fast_only = kernels::make_unified_max_softmax(Format::f32, p, false);
  const KernelFn& ordinary =
      testing::builtin_kernel("builtin/softmax/f32/three-pass-recompute").run;
  constexpr std::size_t kN = 64, kRows = 200;
  Rng rng(testing::seed());
  for (double d : {-120.0, -104.0, -103.0, -100.0, -87.0, -60.0, -16.0, -15.0, 0.0, 15.0, 16.0,
                   60.0, 80.0, 84.0, 85.0, 88.0, 89.0, 100.0}) {
    std::vector<float> x(kN * kRows);
    for (float& v : x) v = static_cast<float>(p.phi + d - rng.uniform());
    const auto fast = run_softmax(fast_only, x, kN);
    const auto slow = run_softmax(ordinary, x, kN);
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!std::isfinite(fast[i])) {
        worst = INFINITY;
        break;
      }
      const double ulp = std::ldexp(1.0, std::ilogb(slow[i]) - 23);
      worst = std::max(worst, std::fabs(double(fast[i]) - slow[i]) / ulp);
    }
    std::cout << "d = x - phi in [" << d - 1 << ", " << d << "]: worst " << worst
              << " ulps vs three-pass\n";
  }
}
