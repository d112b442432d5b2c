// ⊥Grad (Prieto et al. 2025, "Grokking at the edge of numerical stability"): an optimizer
// wrapper for libtorch that keeps only the part of each parameter tensor's gradient that is
// orthogonal to the tensor itself, at the gradient's original length.
//
// For each parameter tensor w with gradient g (both seen as flat vectors):
//   g⊥ = g − (w·g / w·w)·w,   g ← g⊥ · (‖g‖ / ‖g⊥‖).
// The scalars w·g, w·w, ‖g‖ and ‖g⊥‖ are accumulated in f64; the new gradient is written back
// in the gradient's dtype. Guards: when w·w = 0 (no direction to remove) or ‖g⊥‖ = 0 (g is
// parallel to w, or zero, so there is nothing to rescale) g is left unchanged; so is a g whose
// projection is not finite (NaN or inf in w or g), for the wrapped optimizer to see as it is.
// An undefined gradient is skipped.
//
// Why: growing ‖w‖ along w scales the logits and drives softmax towards collapse without
// changing predictions ("naive loss minimisation"); removing the radial component stops that.
// For plain SGD the step −lr·g⊥ is orthogonal to w, so ‖w‖² grows only by lr²‖g‖².
#pragma once

#include <torch/optim/optimizer.h>

#include <vector>

namespace softcheck::training {

// g⊥ rescaled to ‖g‖, or g itself where a guard applies (see above). Does not modify g.
torch::Tensor perpendicular_gradient(const torch::Tensor& w, const torch::Tensor& g);

// Replaces, in place, the gradient of every parameter in `params` by its ⊥Grad projection.
void project_gradients(const std::vector<torch::Tensor>& params);

// Wraps any torch::optim::Optimizer (SGD, Adam, ...): step() projects the gradients of all
// its parameter groups, then steps the wrapped optimizer. With a closure, the projection
// runs inside the closure, right after it has computed the gradients, so optimizers that
// call the closure themselves (LBFGS) also see projected gradients. The wrapped optimizer
// must outlive the wrapper.
class PerpGrad {
 public:
  explicit PerpGrad(torch::optim::Optimizer& inner);
  torch::Tensor step(torch::optim::Optimizer::LossClosure closure = nullptr);
  void zero_grad();
  torch::optim::Optimizer& inner();

 private:
  void project_all();
  torch::optim::Optimizer& inner_;
};

}  // namespace softcheck::training
