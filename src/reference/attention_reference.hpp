// The correctly rounded reference of attention (core/attention.hpp): every element of O
// rounded to the case's format and every LSE to the LSE format, from the exact real values -
// the dot products, the scale, the softcap, exp, the sums and the quotient.
//
// Each query row is tried first in double-double arithmetic with a proven absolute error bound
// (fast_attention.cpp; budget in proofs/attention-reference.md); a row with an output whose
// rounding that bound leaves undecided is computed again with MPFR intervals at growing
// precision (Ziv's loop, attention_reference.cpp), which decides every output. Either way the
// results are the same correctly rounded values.
//
// Fully masked rows (no key attended, or only -inf biases) follow the special-value table:
// O = NaN (the 0/0 of an empty softmax) and LSE = -inf (log 0). Values whose exact magnitude
// is below half the smallest subnormal double round to +0 (the sign of such a value is not
// decided).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "core/attention.hpp"
#include "core/format.hpp"
#include "reference/reference.hpp"

namespace softcheck::reference {

struct AttentionRowReference {
  std::vector<Exact> out;  // d values
  Exact lse{};
};

struct AttentionReference {
  std::vector<Exact> out;  // lq x d, rounded to the case's format
  std::vector<Exact> lse;  // lq, rounded to lse_format
  std::size_t fast_rows = 0;  // rows the double-double path decided
  std::size_t mpfr_rows = 0;  // rows computed in MPFR
};

// The reference of every row; `lse_format` is the format the kernel writes LSE in (its
// accumulation format). Throws std::invalid_argument for an invalid case (validate()).
AttentionReference attention_reference(const AttentionCase& c, Format lse_format,
                                       const ReferenceOptions& options = {});

// One row, fast path first (when the CPU has FMA and AVX2 and options.fast_path), then MPFR;
// `fast` says which answered.
AttentionRowReference attention_reference_row(const AttentionCase& c, std::size_t row,
                                              Format lse_format, const ReferenceOptions& options,
                                              bool* fast = nullptr);

// The double-double path alone (fast_attention.cpp, compiled for FMA): nothing when a
// rounding is undecided or the row is outside the proof's range.
std::optional<AttentionRowReference> fast_attention_row(const AttentionCase& c, std::size_t row,
                                                        Format lse_format);
// The MPFR path alone (every row, any case).
AttentionRowReference mpfr_attention_row(const AttentionCase& c, std::size_t row,
                                         Format lse_format, const ReferenceOptions& options);

}  // namespace softcheck::reference
