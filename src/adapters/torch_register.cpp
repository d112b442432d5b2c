// Registers libtorch's kernels:
//   torch/{softmax,log_softmax,logsumexp}/{f64,f32,bf16}/aten   at::softmax, at::log_softmax,
//                                                              at::logsumexp over dim 1
//   torch/cross_entropy/{f64,f32,bf16}/autograd                 loss: at::cross_entropy_loss
//                                                              (reduction none); gradient:
//                                                              autograd, in the same dtype
// They run in libsoftcheck_torch.so (torch_kernels.cpp), opened on the first torch call
// (torch_loader.hpp), each isolated in a worker process (isolation.hpp): a crash or an error
// inside libtorch is a reported failure. Registration touches nothing of libtorch, and the
// parent process only loads it (static initialisation, no threads), never runs it, so no
// torch thread pool exists when a worker forks.
#include <string>
#include <string_view>

#include "adapters/adapters.hpp"
#include "adapters/isolation.hpp"
#include "adapters/torch_loader.hpp"

namespace softcheck::adapters {
namespace {

constexpr std::string_view kProvider = "torch";

// "autograd" for cross_entropy (its gradient comes from autograd), "aten" otherwise.
std::string_view algorithm(Op op) { return op == Op::cross_entropy ? "autograd" : "aten"; }

// Whether libtorch 1.13's CPU backend runs `op` in `format`. A table, determined by experiment
// on Debian's libtorch-dev 1.13.0, not a probe at run time (a probe would start libtorch in
// the parent process):
//   f64, f32, bf16: all four ops run.
//   f16: none does. softmax, log_softmax and cross_entropy_loss fail with
//        "softmax_lastdim_kernel_impl" / "log_softmax_lastdim_kernel_impl" not implemented
//        for 'Half'; logsumexp with "exp_vml_cpu" not implemented for 'Half'.
// libtorch has no StableMax op, so none of the StableMax ops is registered.
// Nor are the parametrised losses (comp_sum, sigmoid_bce, temperature_cross_entropy).
bool supports(Op op, Format format) { return in_family(op, "softmax") && format != Format::f16; }

// The module's kernel, isolated; the parent loads the module before the worker forks, so
// every worker inherits the loaded library instead of paying its start-up (about a second).
KernelFn make_isolated_kernel(Op op, Format format, IsolationOptions isolation) {
  return [isolated = isolate(torch_adapter::make_kernel(op, format), op, format, isolation)](
             const KernelCall& call) {
    torch_adapter::load_module();
    isolated(call);
  };
}

}  // namespace

void register_torch_kernels(Registry& registry, IsolationOptions isolation) {
  for (Op op : all_ops()) {
    for (Format format : kAllFormats) {
      if (!supports(op, format)) continue;
      Kernel kernel{op, format, std::string(algorithm(op)), std::string(kProvider), {}};
      if (!registry.match(kernel.name()).empty()) continue;  // registered before
      kernel.run = make_isolated_kernel(op, format, isolation);
      registry.add(std::move(kernel));
    }
  }
}

}  // namespace softcheck::adapters
