// The built-in kernels and their names, builtin/<op>/<format>/<algorithm>:
//   naive                 f32, f64; every op (the overflow baseline)
//   three-pass-recompute  every format; softmax, log_softmax, cross_entropy
//   three-pass-reload     every format; softmax, log_softmax, cross_entropy
//   max-then-sum          every format; logsumexp (three-pass collapses to max, then sum)
//   two-pass              every format; every op
//   online                every format; every op
// (every op of the softmax family, that is) and for the StableMax ops:
//   two-pass              f32, f64; stablemax, log_stablemax, stablemax_cross_entropy
// f32/f64 compute in their own precision; bf16/f16 store 16 bits and compute in float.
// The parametrised losses: loss_family_registry.cpp. The SIMD kernels (softmax, log_softmax,
// cross_entropy; f32, bf16, f16): src/kernels/simd/simd_register.cpp. The backward ops
// (softmax_backward, log_softmax_backward; every format; two-pass and blocked): backward.hpp.
#include <algorithm>
#include <vector>

#include "kernels/backward.hpp"
#include "kernels/builtin.hpp"
#include "kernels/chunked_ce.hpp"
#include "kernels/normalisers.hpp"
#include "kernels/temperature_softmax.hpp"
#include "kernels/simd/simd.hpp"

namespace softcheck {
namespace {

// An algorithm, the ops it implements and the formats it is registered in.
struct Algorithm {
  std::string_view name;
  KernelFn (*make)(Op, Format);
  std::vector<Op> ops;
  bool wide_only;  // f32 and f64 only
};

const std::vector<Algorithm>& algorithms() {
  const std::vector<Op> softmax_family{Op::softmax, Op::log_softmax, Op::logsumexp,
                                       Op::cross_entropy};
  const std::vector<Op> three_pass{Op::softmax, Op::log_softmax, Op::cross_entropy};
  static const std::vector<Algorithm> all{
      {"naive", kernels::make_naive, softmax_family, true},
      {"three-pass-recompute", kernels::make_three_pass_recompute, three_pass, false},
      {"three-pass-reload", kernels::make_three_pass_reload, three_pass, false},
      {"max-then-sum", kernels::make_three_pass_recompute, {Op::logsumexp}, false},
      {"two-pass", kernels::make_two_pass, softmax_family, false},
      {"online", kernels::make_online, softmax_family, false},
      {"two-pass", kernels::make_stablemax_two_pass,
       {Op::stablemax, Op::log_stablemax, Op::stablemax_cross_entropy}, true},
  };
  return all;
}

bool applies(const Algorithm& algorithm, Op op, Format format) {
  const bool wide = format == Format::f32 || format == Format::f64;
  return std::find(algorithm.ops.begin(), algorithm.ops.end(), op) != algorithm.ops.end() &&
         (wide || !algorithm.wide_only);
}

}  // namespace

void register_builtin_kernels(Registry& registry) {
  for (Op op : all_ops()) {
    for (Format format : kAllFormats) {
      for (const Algorithm& algorithm : algorithms()) {
        if (!applies(algorithm, op, format)) continue;
        Kernel kernel{op, format, std::string(algorithm.name), "builtin", {}};
        if (!registry.match(kernel.name()).empty()) continue;  // registered before
        kernel.run = algorithm.make(op, format);
        registry.add(std::move(kernel));
      }
    }
  }
  kernels::register_loss_family_kernels(registry);
  kernels::register_unified_max_kernels(registry);  // builtin/softmax/<f>/unified-max-*
  kernels::register_normaliser_kernels(registry);   // normalisers.hpp: f32/f64acc
  kernels::register_temperature_softmax_kernels(registry);  // f32/f64acc-T<T>
  kernels::register_chunked_ce_kernels(registry);  // cross_entropy/f32/chunked-b256-filter
  kernels::register_backward_kernels(registry);  // backward.hpp: two-pass, blocked
  kernels::register_simd_kernels(registry);  // src/kernels/simd: simd-<algorithm>-<isa>-u4a4
}

}  // namespace softcheck
