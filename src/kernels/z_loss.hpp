// The spherical Z-loss (de Brebisson & Vincent 2016; not PaLM's log-Z penalty): with
// z = (x - mean x) / std x (population std) and the target c,
//   loss = softplus(a (b - z_c)) / a,   grad = -sigmoid(a (b - z_c)) dz_c/dx,
//   dz_c/dx_j = (delta_cj - (1 + z_c z_j) / n) / std x.
// Algorithm "two-pass" (z_loss.cpp), in double-word arithmetic (~2^-104): m' = the mean of
// the entries other than the target c, A = (n - 1) sum_{k != c} (x_k - m')^2,
// C = (n - 1)(x_c - m'), B_j = (n - 1)(x_j - m'), each formed from differences to one of the
// logits so that it is exact when those fit a double-word (proofs/z-loss.md). Then
//   D = n^2 var x = (n A + C^2) / (n - 1)        (no cancellation)
//   z_c = C / sqrt D,   s = sigmoid(a (b - z_c))
//   grad_j = s n (A + B_j C) / ((n - 1) D^(3/2))   (j != c)
//   grad_c = -s n A / D^(3/2)
// A + B_j C = (n - 1) n^2 var (1 + z_c z_j) / n cancels where 1 + z_c z_j is small: to
// exactly 0 at n = 2 (the loss is constant) and in every two-valued row for j in the other
// value. Where the double-words are exact (f32 logits of similar magnitude) such zeros come
// out exactly; otherwise the error of A + B_j C stays near 2^-104 of its terms, so each
// entry is accurate to a few ulps of itself unless that cancellation exceeds ~2^50, and
// always to a few ulps of the row's largest gradient entry. The loss is scale- and
// shift-invariant: the differences are rescaled by a power of two into [1, 2) (logits
// beyond 2^900 are first scaled down to 2^900), so no square overflows; the gradient is
// scaled back.
// f32 and f64 compute in double-word double.
//
// Contract (contracts/builtin.json, "*/z_loss/*"): see the rule's comment.
// Special values (README "Special values"): a NaN or an infinity anywhere, n = 1 or a row
// of equal entries (std 0) makes the loss and every gradient entry NaN.
#pragma once

#include "core/loss_parameters.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::kernels {

KernelFn make_z_loss_two_pass(Format format, const LossParameters& parameters);

}  // namespace softcheck::kernels
