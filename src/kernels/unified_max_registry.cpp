// The built-in unified-max softmax kernels (unified_max.hpp): Op::softmax (the function is
// softmax; only the algorithm differs, so the softmax reference and contract apply), one per
// storage format with float accumulation, under the default parameters (phi = 6, window
// [-15, 15]) named in the algorithm: builtin/softmax/<format>/unified-max-phi6-a-15-b15.
#include "kernels/builtin.hpp"
#include "kernels/unified_max.hpp"

namespace softcheck::kernels {

void register_unified_max_kernels(Registry& registry) {
  const UnifiedMaxParameters defaults;
  for (Format format : {Format::f32, Format::bf16, Format::f16}) {
    Kernel kernel{Op::softmax, format, unified_max_algorithm(defaults), "builtin", {}};
    if (!registry.match(kernel.name()).empty()) continue;  // registered before
    kernel.run = make_unified_max_softmax(format, defaults);
    registry.add(std::move(kernel));
  }
}

}  // namespace softcheck::kernels
