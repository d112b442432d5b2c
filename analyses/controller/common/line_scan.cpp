#include "common/line_scan.hpp"

#include <torch/autograd.h>  // torch::autograd::grad (not all of torch/torch.h)
#include <torch/types.h>
#include <torch/utils.h>  // manual_seed, NoGradGuard

#include <cmath>

namespace controller {
namespace {

Direction normalised(std::vector<at::Tensor> v) {
  double sum = 0;
  for (const at::Tensor& t : v) sum += t.to(torch::kDouble).pow(2).sum().item<double>();
  const double norm = std::sqrt(sum);
  for (at::Tensor& t : v) t = t / norm;
  return v;
}

}  // namespace

Direction descent_direction(Classifier& model, const at::Tensor& x, const at::Tensor& y,
                            double temperature) {
  model.eval();
  const std::vector<at::Tensor> params = model.parameters();
  const at::Tensor loss = mean_loss(model.forward(x), y, LossKernel::torch, "", temperature);
  const std::vector<at::Tensor> g = torch::autograd::grad({loss}, params, {}, false, false, true);
  std::vector<at::Tensor> v;
  for (std::size_t i = 0; i < params.size(); ++i)
    v.push_back(g[i].defined() ? -g[i].detach() : torch::zeros_like(params[i]));
  return normalised(v);
}

Direction random_direction(Classifier& model, std::uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<at::Tensor> v;
  for (const at::Tensor& p : model.parameters()) v.push_back(torch::randn_like(p));
  return normalised(v);
}

std::vector<StepPoint> scan_steps(Classifier& model, const Data& data, const Direction& v,
                                  const std::vector<double>& taus, double temperature) {
  const std::vector<at::Tensor> params = model.parameters();
  std::vector<at::Tensor> theta0;
  {
    torch::NoGradGuard no_grad;
    for (const at::Tensor& p : params) theta0.push_back(p.detach().clone());
  }
  std::vector<StepPoint> out;
  for (double tau : taus) {
    {
      torch::NoGradGuard no_grad;
      for (std::size_t i = 0; i < params.size(); ++i)
        params[i].detach().copy_(theta0[i] + v[i] * tau);
    }
    StepPoint point;
    point.test = evaluate(model, data.x_test, data.y_test, temperature);
    point.train = evaluate(model, data.x_train, data.y_train, temperature);
    out.push_back(point);
  }
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params.size(); ++i) params[i].detach().copy_(theta0[i]);
  return out;
}

}  // namespace controller
