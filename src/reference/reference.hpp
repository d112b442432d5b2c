// Correctly rounded references for softmax, log_softmax, logsumexp and cross-entropy.
//
// This is the only part of softcheck that links MPFR. Each result is the exact real value
// of the operation on the given (exactly representable) inputs, rounded to nearest-even in
// the requested format, with that format's subnormals, underflow to signed zero and
// overflow to infinity. Values are enclosed in intervals by MPFR arithmetic with directed
// rounding; the working precision is raised (Ziv's strategy) until both ends of the
// enclosure round to the same value of the format.
//
// Special inputs follow the semantics table in README.md ("Special values").
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/format.hpp"

namespace softcheck::reference {

// One exact result: `rounded` is the correctly rounded value in the format (held as a
// double; may be +-0, +-inf or NaN). `exact_hi + exact_lo` approximates the exact real value
// to about 106 bits (double-double, exact_hi = exact rounded to double), used to measure
// a kernel's error in ulps of the exact result. For NaN/inf results exact_hi == rounded and
// exact_lo == 0.
struct Exact {
  double rounded;
  double exact_hi;
  double exact_lo;
};

// Every reference result for one row. `target` selects the cross-entropy class; it is
// ignored (and the cross-entropy fields are NaN/empty) when the row is empty.
struct RowReference {
  std::vector<Exact> softmax;        // n values
  std::vector<Exact> log_softmax;    // n values
  Exact logsumexp;
  Exact ce_loss;                     // logsumexp(x) - x[target]
  std::vector<Exact> ce_gradient;    // softmax(x) - onehot(target), n values
};

// x: the row's values (each representable in `format`); target < x.size() unless empty.
RowReference evaluate_row(std::span<const double> x, Format format, std::size_t target);

// Working-precision schedule of Ziv's strategy. The defaults are right for every use; tests
// change them to check that the result does not depend on the schedule.
struct ReferenceOptions {
  // First working precision in bits; 0 selects default_initial_precision(format).
  int initial_precision = 0;
  // The precision is doubled until every result is decided; beyond this it throws
  // std::runtime_error (never expected: see proofs/reference-enclosure.md).
  int max_precision = 65536;
  // Softmax family and StableMax: try the double-double fast path first (fast_row.hpp) and
  // use MPFR only for the rows it cannot decide. false: every row in MPFR (the fast path's
  // baseline).
  bool fast_path = true;
};

// max(2 * precision(format) + 40, 128): enough for the format's rounding decision at once
// in all but rare cases, and for the double-double exact value to carry ~106 correct bits.
int default_initial_precision(Format format);

// As above with an explicit schedule. Throws std::out_of_range if x is not empty and
// target >= x.size(), std::invalid_argument for a precision outside [2, max_precision].
RowReference evaluate_row(std::span<const double> x, Format format, std::size_t target,
                          const ReferenceOptions& options);

}  // namespace softcheck::reference
