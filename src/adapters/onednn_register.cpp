// Registers oneDNN's kernels: onednn/{softmax,log_softmax}/{f32,bf16}/softmax-v2,
// onednn/cross_entropy/{f32,bf16}/softmax-v2-log-bwd and
// onednn/{softmax_backward,log_softmax_backward}/{f32,bf16}/softmax-v2, each format only
// where this CPU has an implementation (bf16 needs AVX-512 or newer). Each runs isolated in a
// worker process (isolation.hpp): a crash inside oneDNN is a reported failure.
#include <string>

#include "adapters/adapters.hpp"
#include "adapters/isolation.hpp"
#include "adapters/onednn_softmax.hpp"

namespace softcheck::adapters {
namespace {

bool backward(Op op) { return op == Op::softmax_backward || op == Op::log_softmax_backward; }

bool supported(Op op, Format format) {
  if (backward(op)) return onednn::supports_backward(op, format);
  return op == Op::cross_entropy ? onednn::supports_cross_entropy(format)
                                 : onednn::supports(op, format);
}

KernelFn make(Op op, Format format) {
  if (backward(op)) return onednn::make_backward_kernel(op, format);
  return op == Op::cross_entropy ? onednn::make_cross_entropy_kernel(format)
                                 : onednn::make_kernel(op, format);
}

}  // namespace

void register_onednn_kernels(Registry& registry, IsolationOptions isolation) {
  for (Op op : {Op::softmax, Op::log_softmax, Op::cross_entropy, Op::softmax_backward,
                Op::log_softmax_backward}) {
    for (Format format : kAllFormats) {
      const std::string_view algorithm =
          op == Op::cross_entropy ? onednn::kCrossEntropyAlgorithm : onednn::kAlgorithm;
      Kernel kernel{op, format, std::string(algorithm), std::string(onednn::kProvider), {}};
      if (!registry.match(kernel.name()).empty()) continue;  // registered before
      if (!supported(op, format)) continue;
      kernel.run = isolate(make(op, format), op, format, isolation);
      registry.add(std::move(kernel));
    }
  }
}

}  // namespace softcheck::adapters
