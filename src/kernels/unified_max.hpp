// Unified-max softmax (FlashDecoding++, Hong et al. 2023, "asynchronized softmax with unified
// max value"): instead of the row maximum, every element subtracts one fixed value phi chosen
// offline from the statistics of the logits, so partial blocks of a row can be exponentiated
// and summed independently (no max to agree on, no rescaling of earlier blocks):
//   softmax_j = exp(x_j - phi) / sum_blocks sum_{k in block} exp(x_k - phi).
// That is only safe while every x_j - phi lies in a window [a, b] where exp neither
// overflows (b) nor loses the row to underflow (a). The documented fallback: if any
// x_j - phi is outside [a, b] (or is NaN), the whole row is recomputed the ordinary way
// (three-pass-recompute, three_pass.hpp), so the result stays softmax's.
//
// The window test is on the exact difference: x_j - phi is evaluated in double, which is
// exact for f32/bf16/f16 inputs and the parameter values used here (phi, a, b integers of
// small magnitude), and compared with a and b inclusive. A NaN, +-inf or masked (-inf)
// element is outside the window, so the special-value table (row.hpp, README "Special
// values") is the fallback's.
//
// Accuracy (in-window rows, accumulator float for f32/bf16/f16): exp(x_j - phi) is
// corrected for the rounding of x_j - phi (TwoSum, as scaled_exp in row.hpp), so |x_j - phi|
// <= max(|a|, |b|) costs no extra ulps; each block is a compensated sum and the block sums
// are merged by a compensated sum (<= 2u relative); softmax_j = e_j / S is one division:
// about exp's 1 ulp + S's 2u + the quotient's 0.5 ulp. Measured: f32 <= 2.9 ulps against
// long double (tests/unit/kernels_accuracy.cpp), <= 3.13 on the gate's default suite.
// For the window to be safe in float, b must keep n * exp(b) finite (b < 88.7 - ln n: 84.5
// at n = 64, 66 at n = 2^32) and a must keep exp(a) normal (a >= -87.3); the defaults
// (6, -15, 15) leave wide margins (measured regions: README, "Unified-max softmax and
// attention normalisers"). bf16/f16 store the float result rounded once.
#pragma once

#include <cstddef>
#include <string>

#include "kernels/kernel.hpp"

namespace softcheck::kernels {

struct UnifiedMaxParameters {
  double phi = 6.0;  // the unified max value
  double a = -15.0;  // window: every x - phi must lie in [a, b]
  double b = 15.0;

  bool operator==(const UnifiedMaxParameters&) const = default;
};

// Elements per partial block (each block's sum is independent of the others').
inline constexpr std::size_t kUnifiedMaxBlock = 64;

// Whether x - phi lies in [a, b] (false for NaN and infinities).
inline bool in_unified_max_window(double x, const UnifiedMaxParameters& p) {
  const double d = x - p.phi;
  return d >= p.a && d <= p.b;
}

// "unified-max-phi6-a-15-b15" for the defaults (the algorithm part of the kernel name).
std::string unified_max_algorithm(const UnifiedMaxParameters& p);

// The softmax kernel in `format` (f32, bf16, f16; float accumulation). with_fallback = false
// is the planted bug of tests/unit/kernels_unified_max.cpp: the fast path on every row.
KernelFn make_unified_max_softmax(Format format, const UnifiedMaxParameters& p,
                                  bool with_fallback = true);

}  // namespace softcheck::kernels
