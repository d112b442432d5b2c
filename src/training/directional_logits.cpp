#include "training/directional_logits.hpp"

#include <ATen/ATen.h>
#include <torch/autograd.h>

#include <stdexcept>

namespace softcheck::training {

at::Tensor directional_logits(const at::Tensor& logits, const std::vector<at::Tensor>& params,
                              const std::vector<at::Tensor>& direction) {
  if (params.size() != direction.size())
    throw std::invalid_argument("directional_logits: one direction tensor per parameter");
  const at::Tensor u = at::zeros_like(logits).requires_grad_(true);
  const std::vector<at::Tensor> g =
      torch::autograd::grad({logits}, params, {u}, /*retain_graph=*/true,
                            /*create_graph=*/true, /*allow_unused=*/true);
  at::Tensor s;
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (!g[i].defined()) continue;
    const at::Tensor term = (g[i] * direction[i].to(g[i].scalar_type())).sum();
    s = s.defined() ? s + term : term;
  }
  if (!s.defined() || !s.requires_grad()) return at::zeros_like(logits);
  const std::vector<at::Tensor> a =
      torch::autograd::grad({s}, {u}, {}, /*retain_graph=*/false, /*create_graph=*/false,
                            /*allow_unused=*/true);
  return a[0].defined() ? a[0].detach() : at::zeros_like(logits);
}

}  // namespace softcheck::training
