// The safe-step controller (Sao 2026, "Ghosts of softmax"): an optimizer wrapper for
// libtorch that lets the wrapped optimizer (SGD, SGD with momentum, Adam, ...) propose its
// update p, measures the Taylor radius bound of the loss along v = p/‖p‖ and limits the step:
//
//   a   = J_z · v            one Jacobian-vector product over the sample set's logits
//                            (directional_logits.hpp), divided by the loss temperature T;
//   ρa  = π / max_i Δa_i     src/taylor_radius' fast batch bound (taylor_radius/batch.hpp), in f32;
//   clamp:   p̃ = min(1, ρa/‖p‖)·p       (the controller: r = ‖p‖/ρa is capped at 1)
//   rho_set: p̃ = r_set·ρa·p/‖p‖          (the step length is set by ρa alone: no base lr)
//   cap:     p̃ = min(1, cap/‖p‖)·p       (a fixed cap on the update's length: the baseline the
//                                        controller's varying cap ρa is compared with)
//   measure: p̃ = p                      (records only)
//
// Every step records τ = ‖p‖ (the proposed length), ρa, r = τ/ρa (proposed), the scale
// applied and the applied length. The wrapped optimizer's state (momentum, Adam moments) is
// left as the optimizer made it: only the parameters are moved back onto θ0 + p̃.
//
// Sequence of step(sample_logits): θ0 saved; inner.step() (from the gradients already in
// .grad); p = θ1 − θ0; θ ← θ0; z = sample_logits() (a fresh forward at θ0 with a graph);
// a = J_z v; θ ← θ0 + p̃. The forward is fresh because the optimizer's in-place update
// invalidates the training forward's graph. For BatchNorm in training mode the caller should
// save the running statistics before step() and restore them after it (the analyses do): the
// sample forward updates them, and the JVP needs them unchanged until it is done.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/optim/optimizer.h>

#include <functional>
#include <vector>

namespace softcheck::training {

// measure: compute and record τ, ρa, r but apply p unchanged (the uncontrolled baseline).
enum class SafeStepMode { clamp, rho_set, cap, measure };

struct SafeStepOptions {
  SafeStepMode mode = SafeStepMode::clamp;
  double r_set = 1.0;        // rho_set only: the normalised step taken
  double cap = 1.0;          // cap only: the longest update applied
  double temperature = 1.0;  // the loss sees z / T, so a is divided by T (ρa scales by T)
};

struct SafeStepRecord {
  double tau = 0;      // ‖p‖, the proposed update's length (f64 sum of squares)
  double rho_a = 0;    // π / max Δa along p/‖p‖, rounded down (+inf when Δa = 0)
  double r = 0;        // τ / ρa, rounded up
  double scale = 1;    // p̃ = scale · p
  double applied = 0;  // ‖p̃‖
};

class SafeStep {
 public:
  // `params` are the tensors the inner optimizer updates (their order defines p's layout).
  SafeStep(torch::optim::Optimizer& inner, std::vector<at::Tensor> params,
           SafeStepOptions options = {});

  // One controlled step. sample_logits: the controller's sample set (mini-batch or full
  // training set) forwarded at the current parameters, with a graph. A zero or non-finite
  // proposal is applied unchanged (recorded with rho_a NaN).
  SafeStepRecord step(const std::function<at::Tensor()>& sample_logits);

  const std::vector<SafeStepRecord>& history() const { return history_; }
  // The last step's sample logits / T and directions a (both [N, C], detached, f32), for
  // cross-checks against the exact radius.
  const at::Tensor& last_logits() const { return last_logits_; }
  const at::Tensor& last_directions() const { return last_directions_; }
  torch::optim::Optimizer& inner() { return inner_; }
  const SafeStepOptions& options() const { return options_; }

 private:
  torch::optim::Optimizer& inner_;
  std::vector<at::Tensor> params_;
  SafeStepOptions options_;
  std::vector<SafeStepRecord> history_;
  at::Tensor last_logits_, last_directions_;
};

// π / max_i (max_k a_ik − min_k a_ik) for a [N, C] tensor (any float dtype; computed in f32
// by taylor_radius::batch_rho_a on a contiguous copy).
double batch_rho_a(const at::Tensor& a);

}  // namespace softcheck::training
