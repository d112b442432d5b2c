// The runs of the grokking analysis: which loss, in which precision, with or without ⊥Grad.
// The model and its logits are always f32; the loss precision is the dtype the logits are cast
// to before the loss (the cast is differentiable, so the gradient is computed in that dtype
// and rounded to f32 on its way back).
//
//   softmax-f32    cross-entropy, log_softmax in f32                      (baseline)
//   softmax-f64    cross-entropy, logits cast to f64 before log_softmax
//   softmax-bf16   cross-entropy, logits cast to bf16 (f16 has no CPU log_softmax in libtorch 1.13)
//   softmax-f16e   f16 emulated: the output of every op of the model and the loss, forward and
//                  backward, rounded to f16 (libtorch 1.13 has no f16 matrix product or
//                  log_softmax on the CPU); Adam keeps f32 weights and uses them rounded
//   stablemax-f32  StableMax cross-entropy in f32 (src/training/stablemax_loss.hpp)
//   stablemax-f64  StableMax cross-entropy, logits cast to f64 before the loss
//   perpgrad-f32   cross-entropy in f32, optimizer wrapped in ⊥Grad (src/training/perp_grad.hpp)
//
// The f16 emulation rounds each op's f32 result once (round_f16), as PyTorch's f16 kernels on a
// GPU compute in f32 and round their outputs; the rounding's backward rounds the gradient
// flowing through it, so gradients are f16 at the same points.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace grokking {

enum class LossKind { softmax, stablemax };

struct RunSpec {
  std::string name;
  LossKind loss = LossKind::softmax;
  at::ScalarType dtype = at::kFloat;  // the loss precision
  bool perp_grad = false;
  bool f16_emulated = false;  // every op's output rounded to f16 (dtype stays f32)
};

// x rounded to f16 and back to f32, differentiably (the gradient is rounded the same way);
// x itself when `emulate` is false.
at::Tensor round_f16(const at::Tensor& x, bool emulate);

const std::vector<RunSpec>& run_specs();
const RunSpec& find_run(const std::string& name);  // throws std::invalid_argument
std::string run_names();                             // "a, b, c" for messages

// Per-sample loss [N] in the run's precision, differentiable.
at::Tensor per_sample_loss(const RunSpec& run, const at::Tensor& logits, const at::Tensor& y);

// Fraction of rows whose max-shifted Σ_k exp(z_k − max z), computed in the run's precision,
// is exactly 1 (softmax collapse: every non-max term was absorbed).
double softmax_collapse_fraction(const RunSpec& run, const at::Tensor& logits);

}  // namespace grokking
