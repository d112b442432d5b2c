// Registers XNNPACK's kernel: xnnpack/softmax/f32/softmax-nc, run isolated in a worker
// process (isolation.hpp). Registration starts nothing: XNNPACK initialises on the kernel's
// first call, in the worker.
#include <string>

#include "adapters/adapters.hpp"
#include "adapters/isolation.hpp"
#include "adapters/xnnpack_softmax.hpp"

namespace softcheck::adapters {

void register_xnnpack_kernels(Registry& registry, IsolationOptions isolation) {
  Kernel kernel{Op::softmax, Format::f32, std::string(xnnpack::kAlgorithm),
                std::string(xnnpack::kProvider), {}};
  if (!registry.match(kernel.name()).empty()) return;  // registered before
  kernel.run = isolate(xnnpack::make_softmax_f32_kernel(), kernel.op, kernel.format, isolation);
  registry.add(std::move(kernel));
}

}  // namespace softcheck::adapters
