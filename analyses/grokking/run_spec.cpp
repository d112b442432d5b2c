#include "run_spec.hpp"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <stdexcept>

#include "training/stablemax_loss.hpp"

namespace grokking {

const std::vector<RunSpec>& run_specs() {
  static const std::vector<RunSpec> specs = {
      {"softmax-f32", LossKind::softmax, at::kFloat, false},
      {"softmax-f64", LossKind::softmax, at::kDouble, false},
      {"softmax-bf16", LossKind::softmax, at::kBFloat16, false},
      {"softmax-f16e", LossKind::softmax, at::kFloat, false, true},
      {"stablemax-f32", LossKind::stablemax, at::kFloat, false},
      {"stablemax-f64", LossKind::stablemax, at::kDouble, false},
      {"perpgrad-f32", LossKind::softmax, at::kFloat, true},
  };
  return specs;
}

std::string run_names() {
  std::string names;
  for (const RunSpec& spec : run_specs()) names += (names.empty() ? "" : ", ") + spec.name;
  return names;
}

const RunSpec& find_run(const std::string& name) {
  for (const RunSpec& spec : run_specs()) {
    if (spec.name == name) return spec;
  }
  throw std::invalid_argument("unknown run '" + name + "' (one of: " + run_names() + ")");
}

at::Tensor round_f16(const at::Tensor& x, bool emulate) {
  return emulate ? x.to(at::kHalf).to(at::kFloat) : x;
}

at::Tensor per_sample_loss(const RunSpec& run, const at::Tensor& logits, const at::Tensor& y) {
  const at::Tensor z = logits.to(run.dtype);
  if (run.loss == LossKind::stablemax) return softcheck::training::stablemax_cross_entropy(z, y);
  // The gather and the negation are exact, so rounding log_softmax's output rounds the loss.
  const at::Tensor log_p = round_f16(z.log_softmax(1), run.f16_emulated);
  return -log_p.gather(1, y.reshape({-1, 1})).squeeze(1);
}

double softmax_collapse_fraction(const RunSpec& run, const at::Tensor& logits) {
  c10::NoGradGuard no_grad;
  const at::Tensor z = logits.to(run.dtype);
  const bool f16 = run.f16_emulated;
  const at::Tensor terms = round_f16((z - std::get<0>(z.max(1, true))).exp(), f16);
  const at::Tensor sum = round_f16(terms.sum(1), f16);
  return (sum == 1).to(at::kDouble).mean().item<double>();
}

}  // namespace grokking
