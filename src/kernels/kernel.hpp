// The kernel interface: one op, one storage format, one algorithm, one provider, and a
// callable over a batch of rows. Every fast path under test - built-in, external library,
// plugin or vector file - is a Kernel in the registry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/format.hpp"
#include "core/loss_parameters.hpp"

namespace softcheck {

// The softmax family, then StableMax (Prieto et al. 2025): s(x) = x + 1 for x >= 0,
// 1 / (1 - x) for x < 0, stablemax_i = s(x_i) / sum_j s(x_j).
enum class Op {
  softmax,
  log_softmax,
  logsumexp,
  cross_entropy,
  stablemax,
  log_stablemax,
  stablemax_cross_entropy,
  // The parametrised loss family (LossParameters; src/reference/loss_family_reference.hpp).
  comp_sum,
  sigmoid_bce,
  temperature_cross_entropy,
  z_loss,
  // Attention normalisers used in place of softmax (no loss, no target): sigmoid(x_j - log n)
  // and softplus(x_j) / sum_k softplus(x_k) (src/reference/normaliser_reference.cpp).
  sigmoid_normaliser,
  softplus_normaliser,
  // softmax(x / T), T = LossParameters::temperature (temperature_softmax_reference.cpp).
  temperature_softmax
};

inline constexpr Op kAllOps[] = {Op::softmax,   Op::log_softmax,   Op::logsumexp,
                                 Op::cross_entropy, Op::stablemax, Op::log_stablemax,
                                 Op::stablemax_cross_entropy, Op::comp_sum, Op::sigmoid_bce,
                                 Op::temperature_cross_entropy, Op::z_loss,
                                 Op::sigmoid_normaliser, Op::softplus_normaliser,
                                 Op::temperature_softmax};

std::string_view name(Op op);
std::optional<Op> parse_op(std::string_view text);
// "softmax, log_softmax, ... or stablemax_cross_entropy", for usage messages.
std::string op_names();

// The StableMax ops (their references and kernels are apart from the softmax family's).
constexpr bool is_stablemax(Op op) {
  return op == Op::stablemax || op == Op::log_stablemax || op == Op::stablemax_cross_entropy;
}
// The attention normalisers: per-element outputs like softmax, no loss; their references are
// the loss family's (LossKind), so they count among is_loss_family but not has_loss.
constexpr bool is_normaliser(Op op) {
  return op == Op::sigmoid_normaliser || op == Op::softplus_normaliser ||
         op == Op::temperature_softmax;
}
// The parametrised losses (and the normalisers): kernels carry LossParameters; not in the
// plugin ABI or vector files (docs/plugins.md, docs/vectors.md), not among libtorch's ops.
constexpr bool is_loss_family(Op op) {
  return op == Op::comp_sum || op == Op::sigmoid_bce || op == Op::temperature_cross_entropy ||
         op == Op::z_loss || is_normaliser(op);
}
// The softmax family (softmax, log_softmax, logsumexp, cross_entropy).
constexpr bool is_softmax_family(Op op) { return !is_stablemax(op) && !is_loss_family(op); }
// Ops that take a target and write loss[r] besides the gradient in out.
constexpr bool has_loss(Op op) {
  return op == Op::cross_entropy || op == Op::stablemax_cross_entropy ||
         (is_loss_family(op) && !is_normaliser(op));
}
// The two losses whose collapse `softcheck collapse` measures.
constexpr bool has_collapse_loss(Op op) {
  return op == Op::cross_entropy || op == Op::stablemax_cross_entropy;
}
// Ops with one output per row in out (no per-element outputs).
constexpr bool has_row_output(Op op) { return op == Op::logsumexp; }

// One call over `rows` rows of `n` elements; row r starts at element r * stride.
// Element types by format: f64 double, f32 float, bf16/f16 std::uint16_t bit patterns.
//   softmax, log_softmax: out[r*stride + i] for i < n.
//   logsumexp:            out[r] (one value per row).
//   cross_entropy:        loss[r] (one value per row) and the gradient of the loss with
//                         respect to the logits in out[r*stride + i]; target[r] in [0, n).
//   stablemax, log_stablemax: as softmax, log_softmax.
//   stablemax_cross_entropy: as cross_entropy, with loss -log stablemax_y.
//   comp_sum, sigmoid_bce, temperature_cross_entropy, z_loss: as cross_entropy, with the losses of
//                         src/reference/loss_family_reference.hpp (Kernel::parameters).
//   sigmoid_normaliser, softplus_normaliser, temperature_softmax: as softmax (no loss, no
//                         target; temperature_softmax's T in Kernel::parameters).
// All outputs are in the kernel's format. A kernel must not write past n in a row.
struct KernelCall {
  const void* x = nullptr;
  void* out = nullptr;
  void* loss = nullptr;
  const std::int64_t* target = nullptr;
  std::size_t rows = 0;
  std::size_t n = 0;
  std::size_t stride = 0;
};

using KernelFn = std::function<void(const KernelCall&)>;

// Thrown by a kernel call that could not complete: an isolated kernel whose child process
// crashed (signal), exited, or ran past its time limit. The gate records it as a failure of
// that kernel on that batch and goes on.
class KernelFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Kernel {
  Op op;
  Format format;
  std::string algorithm;  // e.g. "two-pass", "three-pass-reload"
  std::string provider;   // "builtin", "onednn", "plugin:NAME", ...
  KernelFn run;
  LossParameters parameters{};  // the loss family's tau, a, b, T; defaults for other ops
  std::string name() const;  // provider/op/format/algorithm, e.g. builtin/softmax/f32/online
};

// The process-wide list of kernels. Providers append at start-up.
class Registry {
 public:
  static Registry& instance();
  void add(Kernel kernel);
  const std::vector<Kernel>& all() const { return kernels_; }
  // Kernels whose name matches the glob (`*` any run, `?` one character).
  std::vector<const Kernel*> match(std::string_view glob) const;

 private:
  std::vector<Kernel> kernels_;
};

bool glob_match(std::string_view pattern, std::string_view text);

// Registers every built-in kernel (src/kernels). Idempotent.
void register_builtin_kernels(Registry& registry);

}  // namespace softcheck
