#include "training/perp_grad.hpp"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <cmath>
#include <utility>

namespace softcheck::training {

torch::Tensor perpendicular_gradient(const torch::Tensor& w, const torch::Tensor& g) {
  c10::NoGradGuard no_grad;
  const torch::Tensor w64 = w.detach().reshape({-1}).to(at::kDouble);
  const torch::Tensor g64 = g.detach().reshape({-1}).to(at::kDouble);
  const double ww = w64.dot(w64).item<double>();
  if (ww == 0.0) return g;
  const double wg = w64.dot(g64).item<double>();
  const torch::Tensor perp = g64 - (wg / ww) * w64;
  const double perp_norm = perp.norm().item<double>();
  if (perp_norm == 0.0 || !std::isfinite(perp_norm)) return g;
  const double g_norm = g64.norm().item<double>();
  return (perp * (g_norm / perp_norm)).reshape(g.sizes()).to(g.scalar_type());
}

void project_gradients(const std::vector<torch::Tensor>& params) {
  c10::NoGradGuard no_grad;
  for (const torch::Tensor& p : params) {
    const torch::Tensor& g = p.grad();
    if (!g.defined()) continue;
    g.copy_(perpendicular_gradient(p, g));
  }
}

PerpGrad::PerpGrad(torch::optim::Optimizer& inner) : inner_(inner) {}

void PerpGrad::project_all() {
  for (const torch::optim::OptimizerParamGroup& group : inner_.param_groups()) {
    project_gradients(group.params());
  }
}

torch::Tensor PerpGrad::step(torch::optim::Optimizer::LossClosure closure) {
  if (!closure) {
    project_all();
    return inner_.step();
  }
  return inner_.step([this, closure = std::move(closure)] {
    torch::Tensor loss = closure();
    project_all();
    return loss;
  });
}

void PerpGrad::zero_grad() { inner_.zero_grad(); }

torch::optim::Optimizer& PerpGrad::inner() { return inner_; }

}  // namespace softcheck::training
