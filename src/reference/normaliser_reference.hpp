// Internal to the loss-family reference: the evaluators of the attention normalisers
// (normaliser_reference.cpp; formulas and special values there). The outputs go in
// LossReference::gradient; the loss is NaN (the normalisers have none).
#pragma once

#include <span>

#include "core/format.hpp"
#include "reference/loss_family_reference.hpp"

namespace softcheck::reference {

// sigmoid(x_j - log n) on any non-empty row (its special values are elementwise).
LossReference sigmoid_normaliser_row(std::span<const double> x, Format format,
                                     const ReferenceOptions& schedule);
// softplus(x_j) / sum_k softplus(x_k) on any non-empty row.
LossReference softplus_normaliser_row(std::span<const double> x, Format format,
                                      const ReferenceOptions& schedule);
// softmax(x / T) on any non-empty row (T > 0 finite); special values as softmax's.
LossReference temperature_softmax_row(double temperature, std::span<const double> x, Format format,
                                      const ReferenceOptions& schedule);

}  // namespace softcheck::reference
