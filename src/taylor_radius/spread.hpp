// The fast, safe lower bound on the Taylor radius of the line loss: rho_a = pi / Delta_a,
// Delta_a = max_k a_k - min_k a_k (proofs/ghosts-certified-radius.md, section 1).
//
// "Safe" means never larger than the exact real pi / Delta_a: the spread is rounded up and
// pi and the quotient are rounded down, with error-free transformations (TwoSum, FMA
// remainders) instead of the rounding mode, so no compiler flag is needed.
#pragma once

#include <span>

namespace softcheck::taylor_radius {

// pi rounded down to the format: the double nearest pi is already below pi
// (0x1.921fb54442d18p+1 = 3.14159265358979311...), the float nearest pi is above it
// (3.14159274...), so the float below it is taken.
inline constexpr double kPiDown64 = 0x1.921fb54442d18p+1;
inline constexpr float kPiDown32 = 0x1.921fb4p+1f;

// max(a) - min(a), rounded up: >= the exact spread. 0 for n <= 1, NaN if any a_k is NaN,
// +inf if the difference overflows.
double spread_up(std::span<const double> a);
float spread_up(std::span<const float> a);

// pi / spread rounded down (+inf for spread 0; the largest finite value when the true
// quotient overflows; NaN for a NaN spread).
double rho_a_from_spread(double spread);
float rho_a_from_spread(float spread);

// rho_a = pi / Delta_a, never larger than the exact value; +inf when every a_k is equal
// (F then has no zero), NaN if any a_k is NaN.
double rho_a(std::span<const double> a);
float rho_a(std::span<const float> a);

}  // namespace softcheck::taylor_radius
