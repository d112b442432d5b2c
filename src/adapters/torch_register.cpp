// Registers libtorch's kernels:
//   torch/{softmax,log_softmax,logsumexp}/{f64,f32,bf16}/aten   at::softmax, at::log_softmax,
//                                                              at::logsumexp over dim 1
//   torch/cross_entropy/{f64,f32,bf16}/autograd                 loss: at::cross_entropy_loss
//                                                              (reduction none); gradient:
//                                                              autograd, in the same dtype
//   torch/softmax/{f64,f32}/masked-softmax                      at::_masked_softmax, the row's
//                                                              -inf entries as the mask
//   torch/{softmax_backward,log_softmax_backward}/{f64,f32,bf16}/aten
//                                      at::_softmax_backward_data(dy, y, 1, dtype),
//                                      at::_log_softmax_backward_data(dy, log_y, 1, dtype)
// and, into the AttentionRegistry (docs/attention-torch.md):
//   torch/attention/{f64,f32,bf16}/sdpa-math   at::_scaled_dot_product_attention_math
//   torch/attention/{f64,f32}/native-mha       at::_native_multi_head_attention, identity
//                                              projections, one head
// They run in libsoftcheck_torch.so (torch_kernels.cpp), opened on the first torch call
// (torch_loader.hpp), each isolated in a worker process (isolation.hpp): a crash or an error
// inside libtorch is a reported failure. Registration touches nothing of libtorch, and the
// parent process only loads it (static initialisation, no threads), never runs it, so no
// torch thread pool exists when a worker forks.
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

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
//   f64, f32, bf16: all four softmax-family ops run.
//   f16: none does. softmax, log_softmax and cross_entropy_loss fail with
//        "softmax_lastdim_kernel_impl" / "log_softmax_lastdim_kernel_impl" not implemented
//        for 'Half'; logsumexp with "exp_vml_cpu" not implemented for 'Half'.
//   softmax_backward, log_softmax_backward (at::_softmax_backward_data,
//   at::_log_softmax_backward_data): f64, f32, bf16 run; f16 fails with
//        "softmax_backward_lastdim_kernel_impl" / "log_softmax_backward_lastdim_kernel_impl"
//        not implemented for 'Half'.
// libtorch has no StableMax op, so none of the StableMax ops is registered.
// Nor are the parametrised losses (comp_sum, sigmoid_bce, temperature_cross_entropy).
bool supports(Op op, Format format) {
  const bool backward = op == Op::softmax_backward || op == Op::log_softmax_backward;
  return (in_family(op, "softmax") || backward) && format != Format::f16;
}

// The module's kernel, isolated; the parent loads the module before the worker forks, so
// every worker inherits the loaded library instead of paying its start-up (about a second).
KernelFn make_isolated_kernel(Op op, Format format, IsolationOptions isolation) {
  return [isolated = isolate(torch_adapter::make_kernel(op, format), op, format, isolation)](
             const KernelCall& call) {
    torch_adapter::load_module();
    isolated(call);
  };
}

// softmax by at::_masked_softmax (torch_kernels.cpp): f64 and f32. (1.13 runs bf16 too, but
// at::softmax already covers bf16; f16 has no CPU kernel: "masked_softmax" not implemented for
// 'Half'.) A row that is all -inf is all masked, and libtorch gives 0 / 0 = NaN everywhere:
// the special-value table's value for a fully masked row, so nothing is declared for it.
constexpr Format kMaskedSoftmaxFormats[] = {Format::f64, Format::f32};

KernelFn make_isolated_masked_softmax(Format format, IsolationOptions isolation) {
  return [isolated = isolate(torch_adapter::make_masked_softmax_kernel(format), Op::softmax,
                             format, isolation)](const KernelCall& call) {
    torch_adapter::load_module();
    isolated(call);
  };
}

// --- attention --------------------------------------------------------------------------------

using torch_adapter::AttentionAlgorithm;

struct AttentionProvider {
  AttentionAlgorithm algorithm;
  std::string_view name;
  std::vector<Format> formats;
};

// Which algorithms run in which formats (determined by experiment on Debian's libtorch-dev
// 1.13.0, as for the row kernels):
//   sdpa-math: f64, f32, bf16. f16 fails ("addmm_impl_cpu_" not implemented for 'Half').
//   native-mha: f64, f32. bf16 cannot build its identity projection ("eye" not implemented
//     for 'BFloat16') and is left out; f16 fails as sdpa-math does.
const std::vector<AttentionProvider>& attention_providers() {
  static const std::vector<AttentionProvider> providers = {
      {AttentionAlgorithm::sdpa_math, "sdpa-math", {Format::f64, Format::f32, Format::bf16}},
      {AttentionAlgorithm::native_mha, "native-mha", {Format::f64, Format::f32}},
  };
  return providers;
}

// What the kernel computes in. Both run at::matmul/bmm and softmax in the storage dtype: f64
// and f32 accumulate in their own format and keep P in it. bf16 (sdpa-math): the products
// accumulate in f32 inside the matmul, but S and P are tensors of the storage dtype, so P is
// rounded to bf16 before P V (and S to bf16 before the softmax, which AttentionFormats cannot
// say; a deviation the gate may report, not declared).
AttentionFormats attention_formats(Format storage) {
  if (storage == Format::bf16) return {Format::bf16, Format::f32, PFormat::bf16};
  return {storage, storage, PFormat::none};
}

// Neither algorithm softcaps. (Neither takes a scale either: torch_kernels.cpp passes another
// scale by multiplying Q first, as a caller of 1.13 must.)
std::string refuses_softcap(const AttentionCase& c) {
  if (c.parameters.softcap > 0.0) return "no softcap: libtorch 1.13's attention has none";
  return "";
}

// sdpa-math takes any mask as given (dense booleans, or the additive bias in the storage
// dtype); with no keys at all (lk = 0) its empty matmul returns zeros where the rows are fully
// masked, so lk = 0 is refused.
std::string sdpa_math_refuses(const AttentionCase& c) {
  if (std::string reason = refuses_softcap(c); !reason.empty()) return reason;
  if (c.shape.lk == 0 && c.shape.lq > 0)
    return "no keys (lk = 0): the empty matmul gives 0, not a fully masked row's NaN";
  return "";
}

// native-mha is self-attention: query, key and value of one shape. Its mask is boolean: an
// additive mask with a finite sentinel (a large negative score, not a mask) cannot be passed.
std::string native_mha_refuses(const AttentionCase& c) {
  if (std::string reason = refuses_softcap(c); !reason.empty()) return reason;
  if (c.shape.lq != c.shape.lk)
    return "Lq != Lk: native multi-head attention takes query, key and value of one shape";
  if (c.mask.additive && c.mask.kind != MaskKind::none && std::isfinite(c.mask.sentinel))
    return "additive mask with a finite sentinel: native multi-head attention's mask is boolean";
  return "";
}

AttentionKernel attention_kernel(const AttentionProvider& provider, Format format,
                                 IsolationOptions isolation) {
  AttentionKernel kernel;
  kernel.formats = attention_formats(format);
  kernel.algorithm = std::string(provider.name);
  kernel.provider = std::string(kProvider);
  kernel.run = [isolated = isolate_attention(
                    torch_adapter::make_attention_kernel(provider.algorithm, format), format,
                    isolation)](const AttentionCall& call) {
    torch_adapter::load_module();
    isolated(call);
  };
  kernel.provides_lse = false;  // neither returns the log-sum-exp
  // Observed on 1.13: a query row with no attended key is all -inf before the softmax (or all
  // masked in _masked_softmax), and both give 0 / 0 = NaN in every output - the default.
  kernel.declared.masked_row = MaskedRowOutput::nan;
  kernel.declared.refuses = provider.algorithm == AttentionAlgorithm::sdpa_math
                                ? sdpa_math_refuses
                                : native_mha_refuses;
  return kernel;
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
  for (Format format : kMaskedSoftmaxFormats) {
    Kernel kernel{Op::softmax, format, "masked-softmax", std::string(kProvider), {}};
    if (!registry.match(kernel.name()).empty()) continue;
    kernel.run = make_isolated_masked_softmax(format, isolation);
    registry.add(std::move(kernel));
  }
}

void register_torch_attention_kernels(AttentionRegistry& registry, IsolationOptions isolation) {
  for (const AttentionProvider& provider : attention_providers()) {
    for (Format format : provider.formats) {
      AttentionKernel kernel;
      kernel.formats.storage = format;
      kernel.algorithm = std::string(provider.name);
      kernel.provider = std::string(kProvider);
      if (!registry.match(kernel.name()).empty()) continue;  // registered before
      registry.add(attention_kernel(provider, format, isolation));
    }
  }
}

}  // namespace softcheck::adapters
