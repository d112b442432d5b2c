// Correctly rounded references for the parametrised loss family: the comp-sum losses
// (Mao, Mohri, Zhong 2023), binary sigmoid cross-entropy and temperature-scaled softmax
// cross-entropy, each with its gradient with respect to the logits. Same guarantees as
// reference.hpp: every result is the exact real value rounded to nearest even in the format,
// decided by Ziv's strategy over interval enclosures. Validity and termination:
// proofs/loss-family-reference.md. Special inputs follow README.md ("Special values").
//
// With s = softmax(x / T) (T = 1 but for the temperature loss), y the target and
// L = -log s_y (the cross-entropy of x / T):
//   comp_sum (tau in [0, 2]):  u = sum_{j != y} e^(x_j - x_y) = 1 / s_y - 1,
//       loss  Phi^tau(u) = ((1 + u)^(1 - tau) - 1) / (1 - tau)   (log(1 + u) at tau = 1)
//                        = expm1((1 - tau) L) / (1 - tau)
//       grad_j = s_j s_y^(tau - 1) = e^((x_j - x_y) - tau L)      (j != y)
//       grad_y = -(1 - s_y) s_y^(tau - 1)
//     tau = 0: u (sum-exponential), 1: cross-entropy, (1, 2): (1 - s_y^(tau-1)) / (tau - 1)
//     (generalized cross-entropy), 2: 1 - s_y (MAE).
//   temperature_cross_entropy (T > 0): loss L = CE(x / T, y),
//       gradient (softmax(x / T) - onehot(y)) / T.
//   sigmoid_bce: the row holds n independent binary logits and the target is the one
//       positive (one-hot multi-label with one positive):
//       loss = sum_i BCE(x_i, [i = y]) = sum_{i != y} softplus(x_i) + softplus(-x_y),
//       grad_i = sigmoid(x_i) - [i = y]   (the sum, not the mean: no 1/n rounding).
//   z_loss (a > 0, b; de Brebisson & Vincent 2016, the spherical family): with
//       z = (x - mean x) / std x (population std), loss = softplus(a (b - z_y)) / a,
//       gradient -sigmoid(a (b - z_y)) dz_y/dx (z_loss_reference.cpp). A row with a NaN or
//       an infinity, n = 1 or equal entries (std 0) gives NaN everywhere.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/format.hpp"
#include "core/loss_parameters.hpp"
#include "reference/reference.hpp"

namespace softcheck::reference {

// sigmoid_normaliser, softplus_normaliser: the attention normalisers used in place of softmax
// (normaliser_reference.cpp): sigmoid(x_j - log n) and softplus(x_j) / sum_k softplus(x_k).
// temperature_softmax: softmax(x / T). They have no loss: their outputs go in
// LossReference::gradient and the loss is NaN.
enum class LossKind {
  comp_sum,
  sigmoid_bce,
  temperature_cross_entropy,
  z_loss,
  sigmoid_normaliser,
  softplus_normaliser,
  temperature_softmax  // softmax(x / T), T = parameters.temperature > 0
};

struct LossReference {
  Exact loss;                   // NaN for an empty row
  std::vector<Exact> gradient;  // d loss / d x_i, n values
};

// x: the row's values (each representable in `format`); target < x.size() unless empty.
// Throws std::out_of_range for a bad target, std::invalid_argument for parameters outside
// their domain (tau outside [0, 2], T <= 0, a <= 0, a or b not finite) or a bad schedule.
LossReference evaluate_loss_row(LossKind kind, const LossParameters& parameters,
                                std::span<const double> x, Format format, std::size_t target);
LossReference evaluate_loss_row(LossKind kind, const LossParameters& parameters,
                                std::span<const double> x, Format format, std::size_t target,
                                const ReferenceOptions& options);

}  // namespace softcheck::reference
