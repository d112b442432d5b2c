// Theoretical onsets of softmax collapse (SC) for a confident cross-entropy row: the target
// logit is the maximum, g above every competitor c_j <= 0. Relative to the maximum the exact
// sum of exponentials is 1 + S e^(-g) with S = sum_{j != y} e^(c_j) (S = n - 1 when every
// competitor is 0). proofs/softmax-collapse.md derives every formula here.
//
//   plain sum   the sum is formed in a p-bit accumulator as 1 + (the small terms, summed
//               first or in any order that adds them to each other before the 1): it rounds
//               to exactly 1, and log(sum) to 0, once S e^(-g) <= 2^-p (the tie goes to 1,
//               the even neighbour):                  g* = p ln 2 + ln S
//   max first   summed left to right starting with the 1: each term is absorbed on its own
//               once e^(c_j - g) <= 2^-p:               g* = p ln 2 + max_j c_j
//   output      the loss log1p(S e^(-g)) ~ S e^(-g) and the target gradient
//   underflow   -S e^(-g) / (1 + S e^(-g)) round to 0 in the output format once their
//               magnitude is <= denorm_min/2 (the tie goes to 0):
//                                                       g* = ln S - ln(denorm_min / 2)
//               This is also where the correctly rounded reference becomes 0.
//
// StableMax cross-entropy has its own formulas (collapse_stablemax_theory.hpp); theory_for
// picks them by the kernel's op and fills the same fields.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/format.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::collapse {

// S = sum_j e^(c_j) over the competitors (in double; S >= 1e-300 for any competitor >= -690).
double competitor_weight(std::span<const double> competitors);

double plain_sum_onset(int precision, double weight);
double max_first_onset(int precision, double max_competitor);
double output_underflow_onset(Format output, double weight);

// How a kernel forms the loss, which decides the formula that applies to it.
enum class Model {
  one_plus_s,   // softcheck's built-ins (not naive): loss = (m - x_y) + log1p(s), s kept apart
                // from the 1, so only output underflow zeroes it
  log_of_sum,   // log(sum of exp(x - max)), libtorch's and oneDNN's log_softmax: plain sum
                // (or output underflow, whichever comes first)
  naive,        // log(sum of exp(x)) - x_y without max subtraction: no zero-onset formula
  unknown,      // plugins: assumed to be a plain sum
  s_plus_r,     // softcheck's StableMax built-ins: loss = log1p(R / s_a), R kept apart from
                // s_a = s(max), so the loss never rounds to 0 and the gradient only underflows
};
std::string_view name(Model model);

Model model_of(const Kernel& kernel);

// Bits of the precision p the sum of exponentials is rounded to before the log: 53 for
// f64, 24 for f32. For bf16/f16: softcheck's built-ins accumulate in f32 (24); libtorch 1.13
// rounds a bf16 row's sum to bf16 (8: measured, its loss is 0 from 8 ln 2 + ln S on);
// other providers are assumed to accumulate in f32 (24).
int accumulator_precision(const Kernel& kernel);

// The fields as named are softmax's; for StableMax (collapse_stablemax_theory.hpp) S is
// T = sum s(c_j) and the onsets are its formulas. +infinity: never within the format.
struct Theory {
  Model model = Model::unknown;
  int accumulator_precision = 0;
  double ln_weight = 0;           // ln S
  double plain_sum = 0;           // p ln 2 + ln S
  double max_first = 0;           // p ln 2 + max c_j
  double output_underflow = 0;    // ln S - ln(denorm_min / 2): the reference's loss is 0
  double gradient_underflow = 0;  // the reference's target gradient is 0 (softmax: as above)
  std::optional<double> onset;    // the loss's formula for the kernel's model (none for naive,
                                  // and for s+R: its loss never rounds to 0)
  std::optional<double> gradient_onset;  // the target gradient's
  std::string formula;            // which formulas they are, e.g. "output underflow"
};

// The theory of the kernel's loss, as its op's collapse registration computes it.
Theory theory_for(const Kernel& kernel, std::span<const double> competitors);
// Softmax cross-entropy's formulas (above).
Theory softmax_theory(const Kernel& kernel, std::span<const double> competitors);
Model softmax_model(const Kernel& kernel);

// The losses whose collapse `softcheck collapse` measures: one registration per op
// (collapse_theory.cpp). An op without one has no collapse measurement.
struct CollapseLoss {
  Model (*model)(const Kernel&);  // which formulas the kernel follows
  Theory (*theory)(const Kernel&, std::span<const double> competitors);
  bool geometric;  // finite onsets far beyond a linear grid: a geometric sweep (StableMax)
};
const CollapseLoss* collapse_loss(Op op);

}  // namespace softcheck::collapse
