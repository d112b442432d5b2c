// Correctly rounded references of the softmax backward ops, on what frameworks pass to a
// backward kernel: the forward output y and the incoming gradient dy (one row of n values
// each, every value representable in `format`, held as doubles):
//
//   softmax_backward(y, dy)_i     = y_i * (dy_i - s),        s = <y, dy> = sum_j y_j dy_j
//   log_softmax_backward(y, dy)_i = dy_i - exp(y_i) * S,     S = sum_j dy_j
//
// (y is the softmax output, resp. the log-softmax output.) The ops are defined on the given y:
// whatever rounding the forward kernel made is part of the input, not of the op.
//
// Each result is the exact real value rounded to nearest-even in `format` (subnormals,
// underflow to signed zero, overflow to infinity), with exact_hi + exact_lo the exact value to
// about 106 bits (reference.hpp, Exact). softmax_backward is rational: s is summed exactly,
// dy_i - s and its product by y_i are exact in MPFR, and the result is rounded once.
// log_softmax_backward sums S exactly and encloses exp(y_i) in MPFR intervals, raising the
// precision (Ziv's strategy, ReferenceOptions) until the rounding is decided; its exact cases
// (S = 0, y_i = 0, y_i = -inf) are computed exactly, and every other result is irrational
// (exp of a nonzero rational, Lindemann), so the loop terminates (proofs/reference-enclosure.md).
//
// Special values: IEEE 754 arithmetic on the extended reals, with every finite operation
// exact (no rounding before the final one):
//
//   softmax_backward
//     s      NaN if any y_j or dy_j is NaN, or some y_j dy_j is inf * 0, or the products
//            include both +inf and -inf; +-inf if the infinite products all have that sign;
//            otherwise the exact finite sum.
//     d_i    = dy_i - s: NaN if s is NaN, or dy_i and s are infinities of the same sign;
//            -s if s is infinite (dy_i finite), dy_i if dy_i is infinite (s finite).
//     out_i  = y_i * d_i: NaN if either is NaN or one is infinite and the other zero; a
//            signed infinity if one is infinite; else the exact product, rounded.
//     So a NaN anywhere in y or dy makes the whole row NaN (s depends on every element).
//   log_softmax_backward
//     S      NaN if any dy_j is NaN or dy holds both +inf and -inf; +-inf if it holds
//            infinities of one sign; otherwise the exact finite sum.
//     e_i    = exp(y_i): NaN for NaN, +inf for +inf, +0 for -inf (a masked position).
//            With S infinite, e_i is taken as it rounds in the kernel's accumulation format
//            (f64 for f64 kernels, f32 otherwise): +0 where exp(y_i) is below half that
//            format's smallest subnormal (y_i < -150 ln 2 in f32, -1075 ln 2 in f64), as
//            every finite-precision exp gives; exactly, e_i > 0 and p_i would be infinite.
//     p_i    = e_i * S: NaN if either is NaN, or inf * 0 (e_i = +inf with S = 0, or
//            e_i = +0 with S infinite); a signed infinity if one is infinite.
//     out_i  = dy_i - p_i: NaN if either is NaN or they are infinities of the same sign;
//            else the exact difference, rounded (p_i = 0 exactly gives dy_i itself).
//     So a NaN in dy makes the whole row NaN, a NaN in y only its own element.
//   Signed zeros follow IEEE for the exact operations: an exact sum of several terms is -0
//   only when every term is -0 (otherwise an exactly zero sum is +0, as x + (-x) = +0); a
//   product's zero has the xor of the signs; a - b is -0 only when a = -0 and b = +0. A
//   nonzero exact result that underflows keeps its sign (-0 for a tiny negative value).
//   An empty row gives an empty vector.
#pragma once

#include <span>
#include <vector>

#include "core/format.hpp"
#include "reference/reference.hpp"

namespace softcheck::reference {

// y_i * (dy_i - <y, dy>) for every i. y and dy have the same length (std::invalid_argument
// otherwise). The options are validated (std::invalid_argument as evaluate_row); of them only
// fast_path is used: the double-double fast path first (fast_row.hpp), else every result is
// exact in MPFR before its single rounding.
std::vector<Exact> softmax_backward_row(std::span<const double> y, std::span<const double> dy,
                                        Format format, const ReferenceOptions& options = {});

// dy_i - exp(y_i) * sum_j dy_j for every i. y and dy have the same length
// (std::invalid_argument otherwise). The double-double fast path first (options.fast_path),
// then Ziv's loop follows `options`; std::runtime_error past options.max_precision (never
// expected, see above).
std::vector<Exact> log_softmax_backward_row(std::span<const double> y, std::span<const double> dy,
                                            Format format, const ReferenceOptions& options = {});

}  // namespace softcheck::reference
