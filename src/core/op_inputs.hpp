// The inputs an op takes besides the family's logits and targets, generated from them and
// from a seeded stream, so the gate and the vector files regenerate the same values from the
// printed seed (add_op_inputs, core/batch.hpp, calls these).
//
//   y, log_y  the forward output a backward kernel is given: softmax(x) and log_softmax(x) of
//             the row's logits, computed in long double and rounded to the batch's format
//             (frameworks pass what their forward kernel wrote; the backward ops are defined
//             on the y they are given, so y need not be correctly rounded). Special logits
//             give what IEEE arithmetic gives: a NaN or +inf logit makes the row NaN, -inf
//             logits give y = 0 (log_y = -inf), a fully masked row is NaN.
//   dy        the incoming gradient, in one of five styles by row (row index mod 5):
//               0 random: uniform in [-1, 1);
//               1 nearly constant: c + k ulp(c), c uniform in [-1, 1), k in {-2 .. 2}
//                 (dy - <y, dy> cancels);
//               2 huge on tiny: random, with the entry at the row's smallest logit (the
//                 first; there y is smallest) set to +-2^(emax / 2) of the format;
//               3 mixed scales: uniform in [-1, 1) times 2^k, k uniform in [-20, 20];
//               4 special: random, with one entry NaN, +inf or -inf (rotating by row).
//   others    (q, k, v, mask of ops that take them as rows): uniform in [-1, 1).
// Every value is representable in the batch's format.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/format.hpp"
#include "core/op.hpp"
#include "core/rng.hpp"

namespace softcheck {

inline constexpr std::size_t kDyStyles = 5;

// Row `row` of `input` for the row of logits `x`, rounded to `format`; `rng` is the input's
// stream (one per input, batch and family).
std::vector<double> generate_input_row(Input input, std::span<const double> x, std::size_t row,
                                       Format format, Rng& rng);

// softmax(x) and log_softmax(x) in long double, rounded to `format` (the y and log_y inputs).
std::vector<double> forward_softmax(std::span<const double> x, Format format);
std::vector<double> forward_log_softmax(std::span<const double> x, Format format);

}  // namespace softcheck
