// Correctly rounded references for StableMax (Prieto et al. 2025), log-StableMax and the
// StableMax cross-entropy (StCE), with its gradient. With
//   s(x) = x + 1 (x >= 0),  1 / (1 - x) (x < 0);    s'(x) = 1 (x >= 0),  1 / (1 - x)^2 (x < 0)
//   stablemax_i     = s(x_i) / S,  S = sum_j s(x_j)
//   log_stablemax_i = log s(x_i) - log S
//   loss            = -log_stablemax_y
//   gradient_i      = s'(x_i) / S - [i = y] s'(x_y) / s(x_y)
// Same guarantees as reference.hpp: each result is the exact real value rounded to nearest
// even in the format, decided by Ziv's strategy over interval enclosures (and an exact
// rational evaluation where the value is a rounding boundary: stablemax_exact.hpp).
// Special inputs follow the StableMax table in README.md ("Special values").
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/format.hpp"
#include "reference/reference.hpp"

namespace softcheck::reference {

struct StableMaxReference {
  std::vector<Exact> stablemax;      // n values
  std::vector<Exact> log_stablemax;  // n values
  Exact loss;                        // -log stablemax_target (NaN for an empty row)
  std::vector<Exact> gradient;       // d loss / d x_i, n values
};

// x: the row's values (each representable in `format`); target < x.size() unless empty.
// Throws like evaluate_row (reference.hpp).
StableMaxReference evaluate_stablemax_row(std::span<const double> x, Format format,
                                          std::size_t target);
StableMaxReference evaluate_stablemax_row(std::span<const double> x, Format format,
                                          std::size_t target, const ReferenceOptions& options);

}  // namespace softcheck::reference
