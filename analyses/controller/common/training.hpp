// The training loop shared by the controller analyses: a model, a data set as tensors, an
// optimizer (SGD, SGD + momentum, Adam), optional learning-rate spike, gradient clipping, the
// safe-step controller (src/training/safe_step.hpp) or its rho-set variant, libtorch's or
// softcheck's cross-entropy kernel, a loss temperature, and sampled cross-checks of the fast
// ρa against the certified exact radius (src/taylor_radius/certify.hpp).
//
// Mini-batches: each epoch is a Fisher–Yates shuffle of the training set with
// softcheck::Rng(derive_seed(seed, epoch)); the model is drawn after torch::manual_seed(seed).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/datasets.hpp"
#include "common/models.hpp"
#include "training/softcheck_cross_entropy.hpp"

namespace controller {

struct Data {
  at::Tensor x_train, y_train, x_test, y_test;  // [N, side²] f32, [N] int64
  int side = 0;
  std::string name;
};
Data to_tensors(const Split& split);

enum class OptimizerKind { sgd, momentum, adam };
// plain: the optimizer alone; clip: ‖g‖ ≤ clip_norm before the optimizer; controller:
// p̃ = min(1, ρa/‖p‖) p; rho_set: p̃ = r_set ρa p/‖p‖; norm_cap: p̃ = min(1, cap/‖p‖) p, a fixed
// cap on the update's length (the baseline for the controller, whose cap ρa varies).
enum class Method { plain, clip, controller, rho_set, norm_cap };
enum class LossKernel { torch, softcheck };

std::string name(OptimizerKind kind);
std::string name(Method method);
OptimizerKind parse_optimizer(const std::string& text);
Method parse_method(const std::string& text);
LossKernel parse_loss(const std::string& text);

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct TrainConfig {
  Arch arch = Arch::mlp;
  OptimizerKind optimizer = OptimizerKind::adam;
  Method method = Method::plain;
  double lr = 1e-3;
  double momentum = 0.9;
  int steps = 200;
  int batch = 128;  // 0: full batch
  std::uint64_t seed = 1;
  int spike_step = -1;       // the first step (0-based) whose learning rate is multiplied
  double spike_factor = 1;   // by this factor,
  int spike_length = 1;      // for this many steps (0: to the end of training)
  double clip_norm = 1.0;
  double r_set = 1.0;
  double cap = 1.0;          // norm_cap: the longest update applied
  bool sample_full = false;  // controller sample set: full training set (else the mini-batch)
  bool measure = false;      // plain/clip: still compute and record ρa along each step
  double temperature = 1.0;  // the loss is CE(z / T)
  LossKernel loss = LossKernel::torch;
  std::string kernel = softcheck::training::kDefaultCrossEntropyKernel;
  int eval_every = 0;        // test accuracy every so many steps (0: only at the end)
  int crosscheck_every = 0;  // certify the exact radius every so many controlled steps
  int crosscheck_rows = 64;  // rows of the sample set certified (0: all)
};

// Whether the learning rate of `step` is spiked (spike_step <= step < spike_step + spike_length).
bool in_spike(const TrainConfig& c, int step);

struct StepLog {
  int step = 0;
  double lr = 0, loss = 0;  // the mini-batch loss before the step
  double tau = kNaN, rho_a = kNaN, r = kNaN, scale = 1, applied = kNaN;
  double test_acc = kNaN, test_loss = kNaN;  // after the step, when evaluated
};

// At a sampled step: the fast batch ρa against min over the certified rows of the exact
// radius's lower end (the fast bound must not exceed it).
struct CrossCheck {
  int step = 0;
  double rho_a_fast = 0;
  double exact_lo_min = std::numeric_limits<double>::infinity();
  double exact_hi_min = std::numeric_limits<double>::infinity();
  std::size_t rows = 0, certified = 0;
  bool ok = true;  // rho_a_fast <= exact_lo_min
};

struct Evaluation {
  double accuracy = 0, loss = 0;
};

struct TrainResult {
  std::vector<StepLog> log;
  std::vector<CrossCheck> checks;
  Evaluation train, test;  // at the end
  double seconds = 0;          // the whole loop
  double control_seconds = 0;  // inside the controller's step (JVP, ρa, rescale)
};

// Mean cross-entropy of logits / T (libtorch's log_softmax + nll, or softcheck's kernel).
at::Tensor mean_loss(const at::Tensor& logits, const at::Tensor& y, LossKernel loss,
                     const std::string& kernel, double temperature);
// Accuracy and mean CE(z / T) in evaluation mode, without gradients (libtorch's CE).
Evaluation evaluate(Classifier& model, const at::Tensor& x, const at::Tensor& y,
                    double temperature = 1.0);

// A new model for config (seeded) trained on data. progress: a label for stderr lines.
TrainResult train(Classifier& model, const Data& data, const TrainConfig& config,
                  const std::string& progress = "");
std::shared_ptr<Classifier> seeded_model(Arch arch, int side, std::uint64_t seed);

// Fast ρa of logits z along a unit parameter direction v, over the rows of x (eval mode).
double rho_a_along(Classifier& model, const at::Tensor& x, const std::vector<at::Tensor>& v,
                   double temperature = 1.0);

}  // namespace controller
