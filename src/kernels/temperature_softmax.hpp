// Temperature-scaled softmax softmax(x / T), T > 0 (Op::temperature_softmax; T in
// Kernel::parameters.temperature; reference: src/reference/temperature_softmax_reference.cpp).
//
// Kernel "f64acc" (f32 storage, double arithmetic): with m the row maximum (first index a),
//   q_j = (x_j - m) / T in double, e_j = exp(q_j), s = sum_{j != a} e_j (compensated),
//   out_j = e_j / (1 + s), rounded once to f32.
// T divides the difference, never x itself, and the difference of two floats is exact in
// double (up to 2^-53 relative where their exponents are far apart), so q_j carries about
// 2^-52 relative error: exp turns it into |q_j| 2^-52, below 2^-45 wherever the f32 output
// is nonzero (|q_j| <= 104); outputs are correctly rounded but within ~2^-22 ulp of a
// midpoint. Valid for every T in [1e-3, 1e3] (and beyond: any T > 0 with finite
// (x - m) / T or -inf) and every input; at small T the row collapses to one-hot (e_j = 0 for
// (m - x_j) / T > 745, and out_a = 1 once s < 2^-25), exactly as the reference does.
// Special values as softmax's table (row.hpp): NaN or +inf in the row, or every entry -inf,
// makes every output NaN; a -inf entry gives +0.
//
// make_temperature_softmax_float_quotient is the planted bug of
// tests/unit/checks_normaliser_gate.cpp: "temperature applied after the max subtraction in
// the wrong precision": q_j = RN_f32(RN_f32(x_j - m) / RN_f32(T)), then as above. The
// rounding of q_j costs |q_j| / 2 ulps, unbounded as T -> 0.
#pragma once

#include "core/loss_parameters.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::kernels {

KernelFn make_temperature_softmax_f64acc(double temperature);          // f32 storage
KernelFn make_temperature_softmax_float_quotient(double temperature);  // f32; planted bug

// Registers builtin/temperature_softmax/f32/f64acc-T<T> for T in {0.001, 0.1, 10, 1000}.
void register_temperature_softmax_kernels(Registry& registry);

}  // namespace softcheck::kernels
