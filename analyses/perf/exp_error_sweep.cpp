// Exhaustive error of the SIMD kernels' vector exp (src/kernels/simd/simd_exp-inl.h) or of
// the vector log1p of their short log_softmax rows (Highway's): every float in [LO, HI]
// through softcheck::kernels::simd_exp / simd_log1p on the dispatched target, against exp /
// log1p in double (glibc, < 1 double ulp: its own error is below 2^-28 float ulps, far under
// the resolution printed here). Defaults: exp over [-104, 89] (about 2.24e9 inputs), log1p
// over [0, 128] (about 1.12e9; s = sum_{j != argmax} exp(x_j - m) <= n - 1 < 128 for the rows
// that use it, simd_softmax.cpp).
// Error = |got - exact| / ulp(exact), ulp(exact) the float spacing at the exact value
// (2^-149 for subnormal results); normal and subnormal results are reported apart, and so
// are results that must be 0 or +inf. Run: build-*/exp_error_sweep [exp|log1p] [LO HI].
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/simd/simd.hpp"

namespace {

// The float ulp at a positive exact value (subnormal spacing below the smallest normal).
double ulp_at(double exact) {
  if (exact < std::numeric_limits<float>::min()) return 0x1p-149;
  int exponent = 0;
  std::frexp(exact, &exponent);  // exact = m * 2^exponent, m in [0.5, 1)
  return std::ldexp(1.0, exponent - 24);
}

struct Stats {
  double max_normal = 0, max_subnormal = 0;
  float worst_normal = 0, worst_subnormal = 0;
  std::uint64_t count = 0, not_correctly_rounded = 0, wrong_special = 0;
};

// The function under test: the vector one over an array, and the double reference.
struct Function {
  const char* name;
  void (*vector)(const float*, float*, std::size_t);
  double (*exact)(double);
  float lo, hi;  // default range
};

const Function kFunctions[] = {
    {"exp", softcheck::kernels::simd_exp, [](double x) { return std::exp(x); }, -104.0f, 89.0f},
    {"log1p", softcheck::kernels::simd_log1p, [](double x) { return std::log1p(x); }, 0.0f, 128.0f},
};

// Inputs with bit patterns [first, last] (same sign), in chunks.
void sweep(const Function& f, std::uint32_t first, std::uint32_t last, Stats& stats) {
  constexpr std::size_t kChunk = 1 << 16;
  std::vector<float> in(kChunk), out(kChunk);
  for (std::uint64_t start = first; start <= last; start += kChunk) {
    const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, last - start + 1));
    for (std::size_t i = 0; i < count; ++i)
      in[i] = std::bit_cast<float>(static_cast<std::uint32_t>(start + i));
    f.vector(in.data(), out.data(), count);
    for (std::size_t i = 0; i < count; ++i) {
      const double exact = f.exact(static_cast<double>(in[i]));
      const float rounded = static_cast<float>(exact);
      const float got = out[i];
      ++stats.count;
      if (got != rounded) ++stats.not_correctly_rounded;
      if (rounded == 0 || std::isinf(rounded)) {  // must be exactly that (or the neighbour)
        if (std::isinf(rounded) != std::isinf(got) && got != std::numeric_limits<float>::max())
          ++stats.wrong_special;
        if (rounded == 0 && got > 0x1p-149f) ++stats.wrong_special;
        continue;
      }
      if (std::isinf(got)) { ++stats.wrong_special; continue; }
      const double error = std::fabs(static_cast<double>(got) - exact) / ulp_at(exact);
      if (exact < std::numeric_limits<float>::min()) {
        if (error > stats.max_subnormal) stats.max_subnormal = error, stats.worst_subnormal = in[i];
      } else if (error > stats.max_normal) {
        stats.max_normal = error, stats.worst_normal = in[i];
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  int arg = 1;
  const Function* f = &kFunctions[0];
  if (argc > arg && (argv[arg][0] < '0' || argv[arg][0] > '9') && argv[arg][0] != '-') {
    f = nullptr;
    for (const Function& candidate : kFunctions)
      if (std::strcmp(argv[arg], candidate.name) == 0) f = &candidate;
    if (f == nullptr) {
      std::fprintf(stderr, "exp_error_sweep: unknown function '%s' (exp, log1p)\n", argv[arg]);
      return 2;
    }
    ++arg;
  }
  const float lo = argc > arg + 1 ? std::strtof(argv[arg], nullptr) : f->lo;
  const float hi = argc > arg + 1 ? std::strtof(argv[arg + 1], nullptr) : f->hi;
  Stats stats;
  // Negative inputs: bits of -0 up to bits of lo; positive: +0 up to hi.
  if (lo < 0) sweep(*f, 0x80000000u, std::bit_cast<std::uint32_t>(lo), stats);
  if (hi >= 0) sweep(*f, 0u, std::bit_cast<std::uint32_t>(hi), stats);
  std::printf("function               %s\n", f->name);
  std::printf("target                 %s\n", softcheck::kernels::simd_target_name().c_str());
  std::printf("inputs                 %llu floats in [%g, %g]\n",
              static_cast<unsigned long long>(stats.count), static_cast<double>(lo),
              static_cast<double>(hi));
  std::printf("max error, normal      %.4f ulp at x = %a\n", stats.max_normal,
              static_cast<double>(stats.worst_normal));
  std::printf("max error, subnormal   %.4f ulp (2^-149) at x = %a\n", stats.max_subnormal,
              static_cast<double>(stats.worst_subnormal));
  std::printf("not correctly rounded  %llu (%.3f%%)\n",
              static_cast<unsigned long long>(stats.not_correctly_rounded),
              100.0 * static_cast<double>(stats.not_correctly_rounded) / static_cast<double>(stats.count));
  std::printf("wrong 0 / inf          %llu\n", static_cast<unsigned long long>(stats.wrong_special));
  return stats.wrong_special == 0 ? 0 : 1;
}
