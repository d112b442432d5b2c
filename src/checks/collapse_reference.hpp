// The correctly rounded reference of the softmax-collapse sweep (collapse.hpp): the loss and
// the target gradient of one confident row, for softmax cross-entropy (reference.hpp) or
// StableMax cross-entropy (stablemax_reference.hpp), and the first gap where each is 0.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "core/format.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::collapse {

enum class Output { loss, gradient };

// The reference of one output of `op` (cross_entropy or stablemax_cross_entropy) at one gap.
double reference_value(Op op, Output output, Format format, double gap,
                       std::span<const double> competitors, std::size_t target);

// The first index of `gaps` whose reference is 0, by bisection (the exact loss and |target
// gradient| decrease strictly with g, and rounding is monotone); none when the reference at
// the last gap is not 0. Throws std::logic_error when it is 0 at the first gap.
std::optional<std::size_t> reference_zero_index(Op op, Output output, Format format,
                                                std::span<const double> gaps,
                                                std::span<const double> competitors,
                                                std::size_t target);

}  // namespace softcheck::collapse
