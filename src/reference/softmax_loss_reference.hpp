// Internal to the loss-family reference: the evaluators of each loss on an ordinary row.
#pragma once

#include <cstddef>
#include <span>

#include "core/format.hpp"
#include "core/loss_parameters.hpp"
#include "reference/loss_family_reference.hpp"

namespace softcheck::reference {

// comp_sum or temperature_cross_entropy on a row with at least one finite entry and no NaN
// or +inf (-inf entries are masked).
LossReference softmax_loss_row(LossKind kind, const LossParameters& parameters,
                               std::span<const double> x, Format format, std::size_t target,
                               const ReferenceOptions& schedule);
// sigmoid_bce on any non-empty row (its special values are elementwise).
LossReference sigmoid_bce_row(std::span<const double> x, Format format, std::size_t target,
                              const ReferenceOptions& schedule);

// z_loss on a row of at least two finite, not all equal entries.
LossReference z_loss_row(const LossParameters& parameters, std::span<const double> x,
                         Format format, std::size_t target, const ReferenceOptions& schedule);

}  // namespace softcheck::reference
