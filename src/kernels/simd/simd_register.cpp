// Registers the SIMD kernels (simd.hpp) as built-in kernels named
// builtin/<op>/<format>/simd-<algorithm>-<isa>-u<unroll>a<accumulators>, e.g.
// builtin/softmax/f32/simd-two-pass-avx3-u4a4, where <isa> is the Highway target that
// dynamic dispatch selects on this CPU (so a report names the code that actually ran).
#include <array>
#include <string>

#include "kernels/simd/simd.hpp"

namespace softcheck::kernels {

std::string_view simd_algorithm_name(SimdAlgorithm algorithm) {
  switch (algorithm) {
    case SimdAlgorithm::two_pass:
      return "two-pass";
    case SimdAlgorithm::three_pass_recompute:
      return "three-pass-recompute";
    case SimdAlgorithm::three_pass_reload:
      return "three-pass-reload";
    case SimdAlgorithm::online:
      break;
  }
  return "online";
}

void register_simd_kernels(Registry& registry) {
  constexpr std::array kOps = {Op::softmax, Op::log_softmax, Op::cross_entropy};
  constexpr std::array kFormats = {Format::f32, Format::bf16, Format::f16};
  constexpr std::array kAlgorithms = {SimdAlgorithm::two_pass, SimdAlgorithm::three_pass_recompute,
                                      SimdAlgorithm::three_pass_reload, SimdAlgorithm::online};
  // Appended piece by piece: GCC 12's -Wrestrict misfires on chains of string operator+.
  std::string suffix = "-";
  suffix.append(simd_target_name()).append("-u").append(std::to_string(kSimdUnroll));
  suffix.append("a").append(std::to_string(kSimdAccumulators));
  for (Op op : kOps) {
    for (Format format : kFormats) {
      for (SimdAlgorithm algorithm : kAlgorithms) {
        std::string name = "simd-";
        name.append(simd_algorithm_name(algorithm)).append(suffix);
        Kernel kernel{op, format, std::move(name), "builtin", {}};
        if (!registry.match(kernel.name()).empty()) continue;  // registered before
        kernel.run = [algorithm, op, format](const KernelCall& call) {
          run_simd(algorithm, op, format, call);
        };
        registry.add(std::move(kernel));
      }
    }
  }
}

}  // namespace softcheck::kernels
