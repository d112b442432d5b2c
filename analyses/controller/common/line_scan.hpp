// Single steps from a trained model along a unit parameter direction: θ = θ0 + τ v, the
// model evaluated there (evaluation mode), then put back on θ0. Used by the phase-transition
// and temperature analyses. Directions are lists of tensors shaped like the parameters, with
// ‖v‖ = 1 over all of them (f64 norm).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "common/models.hpp"
#include "common/training.hpp"

namespace controller {

using Direction = std::vector<at::Tensor>;

// −∇L / ‖∇L‖ of the mean CE(z / T) over (x, y), in evaluation mode (the steepest descent).
Direction descent_direction(Classifier& model, const at::Tensor& x, const at::Tensor& y,
                            double temperature = 1.0);
// A Gaussian direction, normalised, from torch's generator seeded with `seed`.
Direction random_direction(Classifier& model, std::uint64_t seed);

struct StepPoint {
  Evaluation test, train;
};

// Evaluates the model at θ0 + τ v for each τ (test set; train loss on the training set), and
// restores θ0 exactly.
std::vector<StepPoint> scan_steps(Classifier& model, const Data& data, const Direction& v,
                                  const std::vector<double>& taus, double temperature = 1.0);

}  // namespace controller
