// Registers oneDNN's kernels: onednn/{softmax,log_softmax}/{f32,bf16}/softmax-v2, each
// format only where this CPU has an implementation (bf16 needs AVX-512 or newer). Each runs
// isolated in a worker process (isolation.hpp): a crash inside oneDNN is a reported failure.
#include <string>

#include "adapters/adapters.hpp"
#include "adapters/isolation.hpp"
#include "adapters/onednn_softmax.hpp"

namespace softcheck::adapters {

void register_onednn_kernels(Registry& registry, IsolationOptions isolation) {
  for (Op op : {Op::softmax, Op::log_softmax}) {
    for (Format format : kAllFormats) {
      Kernel kernel{op, format, std::string(onednn::kAlgorithm), std::string(onednn::kProvider),
                    {}};
      if (!registry.match(kernel.name()).empty()) continue;  // registered before
      if (!onednn::supports(op, format)) continue;
      kernel.run = isolate(onednn::make_kernel(op, format), op, format, isolation);
      registry.add(std::move(kernel));
    }
  }
}

}  // namespace softcheck::adapters
