#include "training/safe_step.hpp"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <cmath>
#include <limits>
#include <span>
#include <utility>

#include "training/directional_logits.hpp"
#include "taylor_radius/batch.hpp"

namespace softcheck::training {

double batch_rho_a(const at::Tensor& a) {
  const at::Tensor f = a.detach().to(at::kFloat).contiguous();
  const auto rows = static_cast<std::size_t>(f.size(0));
  const auto n = static_cast<std::size_t>(f.size(1));
  return taylor_radius::batch_rho_a(std::span<const float>(f.data_ptr<float>(), rows * n), rows, n);
}

SafeStep::SafeStep(torch::optim::Optimizer& inner, std::vector<at::Tensor> params,
                   SafeStepOptions options)
    : inner_(inner), params_(std::move(params)), options_(options) {}

SafeStepRecord SafeStep::step(const std::function<at::Tensor()>& sample_logits) {
  std::vector<at::Tensor> theta0, theta1, p;
  {
    c10::NoGradGuard no_grad;
    for (const at::Tensor& w : params_) theta0.push_back(w.detach().clone());
  }
  inner_.step();
  SafeStepRecord record;
  double sum = 0;
  {
    c10::NoGradGuard no_grad;
    for (std::size_t i = 0; i < params_.size(); ++i) {
      theta1.push_back(params_[i].detach().clone());
      p.push_back(theta1.back() - theta0[i]);
      sum += p.back().to(at::kDouble).pow(2).sum().item<double>();
    }
  }
  record.tau = std::sqrt(sum);
  if (!(record.tau > 0) || !std::isfinite(record.tau)) {
    record.rho_a = std::numeric_limits<double>::quiet_NaN();
    record.applied = record.tau;
    history_.push_back(record);
    return record;
  }
  std::vector<at::Tensor> v;
  {
    c10::NoGradGuard no_grad;
    for (std::size_t i = 0; i < params_.size(); ++i) {
      params_[i].detach().copy_(theta0[i]);
      v.push_back(p[i] / record.tau);
    }
  }
  const at::Tensor z = sample_logits();
  const at::Tensor a = directional_logits(z, params_, v) / options_.temperature;
  last_logits_ = (z.detach() / options_.temperature).to(at::kFloat);
  last_directions_ = a.to(at::kFloat);
  record.rho_a = batch_rho_a(a);
  record.r = taylor_radius::normalised_step(record.tau, record.rho_a);
  if (options_.mode == SafeStepMode::clamp)
    record.scale = std::isfinite(record.rho_a) ? std::min(1.0, record.rho_a / record.tau) : 1.0;
  else if (options_.mode == SafeStepMode::rho_set)
    record.scale = std::isfinite(record.rho_a) ? options_.r_set * record.rho_a / record.tau : 0.0;
  else if (options_.mode == SafeStepMode::cap)
    record.scale = std::min(1.0, options_.cap / record.tau);
  record.applied = record.scale * record.tau;
  {
    c10::NoGradGuard no_grad;  // scale 1: exactly the optimizer's θ1
    for (std::size_t i = 0; i < params_.size(); ++i)
      params_[i].detach().copy_(record.scale == 1.0 ? theta1[i] : theta0[i] + p[i] * record.scale);
  }
  history_.push_back(record);
  return record;
}

}  // namespace softcheck::training
