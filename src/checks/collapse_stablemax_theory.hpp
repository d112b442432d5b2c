// Theoretical collapse onsets of a confident StableMax cross-entropy row (Prieto et al. 2025):
// the target logit g >= 0 above n - 1 competitors c_j in [-1, 0], s(x) = x + 1 (x >= 0),
// 1 / (1 - x) (x < 0). With T = sum_{j != y} s(c_j) (T = n - 1 when every competitor is 0,
// T in [(n - 1)/2, n - 1] otherwise) and s_y = g + 1 the exact values are
//
//   loss             log((s_y + T) / s_y) = log1p(T / s_y)            ~ T / g
//   target gradient  1 / (s_y + T) - 1 / s_y = -T / (s_y (s_y + T))    ~ -T / g^2
//
// and, in a format of p significand bits (proofs/softmax-collapse.md, "StableMax"):
//
//   plain sum       S = fl(fl(g + 1) + T) is fl(g + 1), so log(S / s_y) = 0, for every
//                   fl(g + 1) >= 2^K, K = p + floor(log2 T) + 1 (T < spacing / 2 there);
//                   for T = 1 already K = p (every fl(g + 1) in [2^p, 2^(p+1)) is even,
//                   and + 1 is a tie back to it):
//                          g* = min{ g : fl(g + 1) >= 2^K },  2^p T <= 2^K <= 2^(p+1) T
//   max first       each s(c_j) added on its own to fl(g + 1): K = p + floor(log2 max s(c_j)) + 1
//   gradient        |gradient| <= denorm_min / 2 rounds to 0 (the correctly rounded reference
//   underflow       is 0 from there on):  (g + 1)(g + 1 + T) = 2T / denorm_min,
//                                       g* = sqrt(2T / denorm_min + T^2 / 4) - T / 2 - 1
//   loss underflow  never: loss >= log1p(T / (max + 1)) with T >= 1/2 exceeds denorm_min / 2
//                   in every format (2^-129 against 2^-150 in f32)
//
// A gap beyond the format's largest value is reported as +infinity (never).
#pragma once

#include <span>

#include "checks/collapse_theory.hpp"
#include "core/format.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::collapse {

// s(x) and T = sum_j s(c_j) over the competitors (in double).
double stablemax_s(double x);
double stablemax_weight(std::span<const double> competitors);

// The smallest gap g of `format` with fl(g + 1) >= 2^K, K = precision + floor(log2 weight) + 1
// (K = precision for weight 1): from there on every fl(fl(g + 1) + weight) is fl(g + 1).
// The plain-sum onset for weight T, the max-first onset for weight max s(c_j).
double stablemax_absorption_onset(Format format, int precision, double weight);

// The real gap from which the exact target gradient is <= denorm_min(format) / 2.
double stablemax_gradient_underflow_onset(Format format, double weight);

Theory stablemax_theory(const Kernel& kernel, std::span<const double> competitors);
// s+R for softcheck's built-in StableMax kernels, unknown for any other.
Model stablemax_model(const Kernel& kernel);

}  // namespace softcheck::collapse
