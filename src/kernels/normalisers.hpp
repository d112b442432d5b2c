// Attention normalisers used in place of softmax (Op::sigmoid_normaliser,
// Op::softplus_normaliser; references: src/reference/normaliser_reference.cpp):
//   sigmoid normaliser:  out_j = sigmoid(x_j - log n)   (sigmoid attention with its -log n bias)
//   softplus normaliser: out_j = softplus(x_j) / sum_k softplus(x_k)   (l1-normalised)
//
// Kernels "f64acc": f32 storage, double arithmetic, one rounding to f32 at the end.
//   sigmoid: 1 / (1 + n e^(-x)) for x >= 0, e^x / (e^x + n) for x < 0: a quotient of
//     positive terms whose exp cannot overflow; elementwise NaN -> NaN, +inf -> 1, -inf -> 0.
//   softplus: with m = max x, terms sp(x_j) = x_j + log1p(e^(-x_j)) (x_j > 0) or
//     log1p(e^(x_j)) when m > 0; when m <= 0 the terms are divided by e^m,
//     e^(x_j - m) g(x_j) with g(x) = log1p(e^x) / e^x (1 where e^x underflows), so rows whose
//     softplus values underflow (x << 0) keep exact ratios. Special values as softmax's table:
//     a NaN or +inf, or every entry -inf, makes the row NaN; a -inf entry gives +0.
// Accuracy: a few double roundings (<= ~8 * 2^-53 relative), far below half an f32 ulp, so
// outputs are correctly rounded f32 but within 2^-29 ulp of a midpoint. Valid for every
// input, any n. Float-accumulating variants overflow (softplus of x > 88.7, e^(-x) of
// x < -88.7) or lose whole rows to underflow (every x < -103): README "Normalisers".
#pragma once

#include "kernels/kernel.hpp"

namespace softcheck::kernels {

KernelFn make_sigmoid_normaliser_f64acc(Format format);   // f32 only
KernelFn make_softplus_normaliser_f64acc(Format format);  // f32 only

// Registers builtin/sigmoid_normaliser/f32/f64acc and builtin/softplus_normaliser/f32/f64acc.
void register_normaliser_kernels(Registry& registry);

}  // namespace softcheck::kernels
