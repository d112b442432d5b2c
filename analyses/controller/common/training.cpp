#include "common/training.hpp"

#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/types.h>  // tensors and their functions (not all of torch/torch.h)
#include <torch/utils.h>  // manual_seed, NoGradGuard

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <numeric>
#include <span>
#include <stdexcept>

#include "training/directional_logits.hpp"
#include "training/safe_step.hpp"
#include "core/rng.hpp"
#include "taylor_radius/certify.hpp"

namespace controller {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

at::Tensor images_tensor(const Images& images) {
  const auto n = static_cast<std::int64_t>(images.size());
  return torch::from_blob(const_cast<float*>(images.x.data()), {n, images.side * images.side},
                          torch::kFloat)
      .clone();
}
at::Tensor labels_tensor(const Images& images) {
  return torch::from_blob(const_cast<std::int64_t*>(images.y.data()),
                          {static_cast<std::int64_t>(images.size())}, torch::kLong)
      .clone();
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::vector<at::Tensor>& params,
                                                        const TrainConfig& c) {
  switch (c.optimizer) {
    case OptimizerKind::sgd:
      return std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(c.lr));
    case OptimizerKind::momentum:
      return std::make_unique<torch::optim::SGD>(
          params, torch::optim::SGDOptions(c.lr).momentum(c.momentum));
    case OptimizerKind::adam:
      return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(c.lr));
  }
  throw std::invalid_argument("bad optimizer");
}

void set_lr(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

// Per-epoch shuffles of 0..n-1, concatenated lazily; batch 0 means every index.
class Batches {
 public:
  Batches(std::size_t n, int batch, std::uint64_t seed) : n_(n), batch_(batch), seed_(seed) {}
  at::Tensor next() {
    if (batch_ <= 0) return at::Tensor();
    std::vector<std::int64_t> out;
    while (out.size() < static_cast<std::size_t>(batch_)) {
      if (at_ == order_.size()) reshuffle();
      out.push_back(order_[at_++]);
    }
    return torch::tensor(out, torch::kLong);
  }

 private:
  void reshuffle() {
    order_.resize(n_);
    std::iota(order_.begin(), order_.end(), std::int64_t{0});
    softcheck::Rng rng(softcheck::derive_seed(seed_, 1000 + epoch_++));
    for (std::size_t i = n_; i > 1; --i) std::swap(order_[i - 1], order_[rng.below(i)]);
    at_ = 0;
  }
  std::size_t n_;
  int batch_;
  std::uint64_t seed_, epoch_ = 0;
  std::vector<std::int64_t> order_;
  std::size_t at_ = 0;
};

// The exact radius of each of the `rows` rows with the largest spread of a (all when 0),
// certified in Arb, against the fast batch bound.
CrossCheck cross_check(int step, double rho_fast, const at::Tensor& z, const at::Tensor& a,
                       int rows) {
  CrossCheck check;
  check.step = step;
  check.rho_a_fast = rho_fast;
  const at::Tensor z64 = z.to(torch::kDouble).contiguous(), a64 = a.to(torch::kDouble).contiguous();
  const std::int64_t n = z64.size(0), c = z64.size(1);
  const std::int64_t k = rows <= 0 ? n : std::min<std::int64_t>(rows, n);
  const at::Tensor spread = std::get<0>(a64.max(1)) - std::get<0>(a64.min(1));
  const at::Tensor pick = std::get<1>(spread.topk(k));
  for (std::int64_t j = 0; j < k; ++j) {
    const std::int64_t i = pick[j].item<std::int64_t>();
    const std::span<const double> zi(z64.data_ptr<double>() + i * c, static_cast<std::size_t>(c));
    const std::span<const double> ai(a64.data_ptr<double>() + i * c, static_cast<std::size_t>(c));
    ++check.rows;
    try {
      const auto radius = softcheck::taylor_radius::certify_radius(zi, ai);
      if (radius.status == softcheck::taylor_radius::RadiusStatus::infinite) continue;
      if (radius.status == softcheck::taylor_radius::RadiusStatus::certified) ++check.certified;
      check.exact_lo_min = std::min(check.exact_lo_min, radius.lo);
      check.exact_hi_min = std::min(check.exact_hi_min, radius.hi);
    } catch (const softcheck::taylor_radius::InvalidLine&) {  // non-finite logits after a collapse
    }
  }
  check.ok = !(rho_fast > check.exact_lo_min);
  return check;
}

}  // namespace

Data to_tensors(const Split& split) {
  return {images_tensor(split.train), labels_tensor(split.train), images_tensor(split.test),
          labels_tensor(split.test), split.train.side, split.name};
}

std::string name(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::sgd: return "sgd";
    case OptimizerKind::momentum: return "momentum";
    case OptimizerKind::adam: return "adam";
  }
  return "?";
}
std::string name(Method method) {
  switch (method) {
    case Method::plain: return "plain";
    case Method::clip: return "clip";
    case Method::controller: return "controller";
    case Method::rho_set: return "rho_set";
    case Method::norm_cap: return "norm_cap";
  }
  return "?";
}
OptimizerKind parse_optimizer(const std::string& text) {
  for (auto k : {OptimizerKind::sgd, OptimizerKind::momentum, OptimizerKind::adam})
    if (name(k) == text) return k;
  throw std::invalid_argument("unknown optimizer " + text + " (sgd, momentum, adam)");
}
Method parse_method(const std::string& text) {
  for (auto m : {Method::plain, Method::clip, Method::controller, Method::rho_set, Method::norm_cap})
    if (name(m) == text) return m;
  throw std::invalid_argument("unknown method " + text +
                              " (plain, clip, controller, rho_set, norm_cap)");
}
LossKernel parse_loss(const std::string& text) {
  if (text == "torch") return LossKernel::torch;
  if (text == "softcheck") return LossKernel::softcheck;
  throw std::invalid_argument("unknown loss kernel " + text + " (torch, softcheck)");
}

at::Tensor mean_loss(const at::Tensor& logits, const at::Tensor& y, LossKernel loss,
                     const std::string& kernel, double temperature) {
  const at::Tensor z = temperature == 1.0 ? logits : logits / temperature;
  if (loss == LossKernel::softcheck)
    return softcheck::training::softcheck_cross_entropy(z, y, kernel).mean();
  return torch::nll_loss(torch::log_softmax(z, 1), y);
}

Evaluation evaluate(Classifier& model, const at::Tensor& x, const at::Tensor& y,
                    double temperature) {
  torch::NoGradGuard no_grad;
  model.eval();
  const at::Tensor z = model.forward(x);
  Evaluation e;
  e.accuracy = z.argmax(1).eq(y).to(torch::kDouble).mean().item<double>();
  e.loss = mean_loss(z, y, LossKernel::torch, "", temperature).item<double>();
  return e;
}

std::shared_ptr<Classifier> seeded_model(Arch arch, int side, std::uint64_t seed) {
  torch::manual_seed(seed);
  return make_model(arch, side);
}

double rho_a_along(Classifier& model, const at::Tensor& x, const std::vector<at::Tensor>& v,
                   double temperature) {
  model.eval();
  const at::Tensor z = model.forward(x);
  const at::Tensor a =
      softcheck::training::directional_logits(z, model.parameters(), v) / temperature;
  return softcheck::training::batch_rho_a(a);
}

bool in_spike(const TrainConfig& c, int step) {
  if (c.spike_step < 0 || step < c.spike_step) return false;
  return c.spike_length <= 0 || step < c.spike_step + c.spike_length;
}

TrainResult train(Classifier& model, const Data& data, const TrainConfig& c,
                  const std::string& progress) {
  using softcheck::training::SafeStep;
  using softcheck::training::SafeStepMode;
  const std::vector<at::Tensor> params = model.parameters();
  auto optimizer = make_optimizer(params, c);
  softcheck::training::SafeStepOptions options;
  options.mode = c.method == Method::controller ? SafeStepMode::clamp
                 : c.method == Method::rho_set  ? SafeStepMode::rho_set
                 : c.method == Method::norm_cap ? SafeStepMode::cap
                                                : SafeStepMode::measure;
  options.r_set = c.r_set;
  options.cap = c.cap;
  options.temperature = c.temperature;
  SafeStep control(*optimizer, params, options);
  const bool controlled = c.method == Method::controller || c.method == Method::rho_set ||
                          c.method == Method::norm_cap || c.measure;

  Batches batches(static_cast<std::size_t>(data.x_train.size(0)), c.batch, c.seed);
  TrainResult result;
  const auto start = Clock::now();
  for (int step = 0; step < c.steps; ++step) {
    const at::Tensor index = batches.next();
    const at::Tensor xb = index.defined() ? data.x_train.index_select(0, index) : data.x_train;
    const at::Tensor yb = index.defined() ? data.y_train.index_select(0, index) : data.y_train;
    model.train();
    optimizer->zero_grad();
    const at::Tensor loss = mean_loss(model.forward(xb), yb, c.loss, c.kernel, c.temperature);
    loss.backward();
    if (c.method == Method::clip) torch::nn::utils::clip_grad_norm_(params, c.clip_norm);
    StepLog log;
    log.step = step;
    log.lr = in_spike(c, step) ? c.lr * c.spike_factor : c.lr;
    log.loss = loss.item<double>();
    set_lr(*optimizer, log.lr);
    if (controlled) {
      const auto t0 = Clock::now();
      // The sample forward must not count in BatchNorm's running statistics: they are
      // restored after the step (not inside the closure: the JVP still needs them unchanged).
      const std::vector<at::Tensor> saved = model.buffer_copies();
      const auto record =
          control.step([&] { return model.forward(c.sample_full ? data.x_train : xb); });
      model.restore_buffers(saved);
      result.control_seconds += since(t0);
      log.tau = record.tau, log.rho_a = record.rho_a, log.r = record.r;
      log.scale = record.scale, log.applied = record.applied;
      if (c.crosscheck_every > 0 && step % c.crosscheck_every == 0 &&
          control.last_directions().defined())
        result.checks.push_back(cross_check(step, record.rho_a, control.last_logits(),
                                            control.last_directions(), c.crosscheck_rows));
    } else {
      optimizer->step();
    }
    set_lr(*optimizer, c.lr);
    if (c.eval_every > 0 && ((step + 1) % c.eval_every == 0 || step + 1 == c.steps)) {
      const Evaluation e = evaluate(model, data.x_test, data.y_test, c.temperature);
      log.test_acc = e.accuracy, log.test_loss = e.loss;
    }
    result.log.push_back(log);
    if (!progress.empty() && (step + 1) % 500 == 0)
      std::cerr << progress << ": step " << step + 1 << "/" << c.steps << "\n";
  }
  result.seconds = since(start);
  result.train = evaluate(model, data.x_train, data.y_train, c.temperature);
  result.test = evaluate(model, data.x_test, data.y_test, c.temperature);
  return result;
}

}  // namespace controller
