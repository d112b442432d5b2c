// The reference's fast paths, one per row op (each in its own fast_*.cpp; this header declares
// them all, and fast_path.cpp's try_* entries run them on a CPU with FMA and AVX2 and count
// the rows each way). For the softmax family (reference.hpp): every output of a row
// evaluated in double-double arithmetic with a proven absolute error bound, and each
// rounding decided only when the whole error interval rounds alike - to the format and to
// double (exact_hi); values near double's underflow and collapsed rows (s < 2^-900) are
// decided scaled. A row with an undecided output or any other case outside the proof returns
// nothing, and evaluate_row computes it in MPFR as before: the results are the same
// correctly rounded values either way (exact_lo, the remainder, is within ~2^-80 relative of
// exact_hi to MPFR's).
// Error budget and decision rule: proofs/fast-reference.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/format.hpp"
#include "core/loss_parameters.hpp"
#include "reference/loss_family_reference.hpp"
#include "reference/reference.hpp"
#include "reference/stablemax_reference.hpp"

namespace softcheck::reference {

// Rows with no NaN and no +inf and at least one finite entry (evaluate_row's ordinary rows).
// Compiled for FMA and AVX2 (fast_row.cpp, fast_exp.cpp): call these only through try_*.
std::optional<RowReference> fast_row(std::span<const double> x, Format format,
                                     std::size_t target);

// StableMax's: the same for StableMax, log-StableMax and StCE with its gradient
// (fast_stablemax.cpp), for rows with no NaN and no +inf and at least one finite entry.
std::optional<StableMaxReference> fast_stablemax_row(std::span<const double> x, Format format,
                                                     std::size_t target);

// The softmax-based losses' (loss_family_reference.hpp): temperature softmax, the
// temperature-scaled cross-entropy and the comp-sum losses with their gradients
// (fast_softmax_loss.cpp), for rows with no NaN or +inf, at least two finite entries and an
// unmasked target; any other kind or row returns nothing.
std::optional<LossReference> fast_softmax_loss_row(LossKind kind, const LossParameters& parameters,
                                                   std::span<const double> x, Format format,
                                                   std::size_t target);

// The sigmoid binary cross-entropy's (fast_sigmoid_bce.cpp), for rows of finite values.
std::optional<LossReference> fast_sigmoid_bce_row(std::span<const double> x, Format format,
                                                  std::size_t target);

// The spherical Z-loss's (fast_z_loss.cpp), for rows of finite values, n >= 2, target c.
std::optional<LossReference> fast_z_loss_row(const LossParameters& parameters,
                                             std::span<const double> x, Format format,
                                             std::size_t c);

// The attention normalisers' (fast_normalisers.cpp): sigmoid(x_j - log n) elementwise, and
// softplus(x_j) / sum_k softplus(x_k) for rows with no NaN or +inf.
std::optional<LossReference> fast_sigmoid_normaliser_row(std::span<const double> x,
                                                         Format format);
std::optional<LossReference> fast_softplus_normaliser_row(std::span<const double> x,
                                                          Format format);

// A backward row whose sum the fast path settled: every output decided but those at
// `undecided` (increasing indices; their values are left unset), which the caller computes
// in MPFR from the row's exact sum - each output depends on the row only through it.
struct PartialRow {
  std::vector<Exact> values;
  std::vector<std::size_t> undecided;
};
// The softmax backward ops' (fast_backward.cpp): y_i (dy_i - <y, dy>) and
// dy_i - exp(y_i) sum_j dy_j, for rows of finite values (backward_reference.hpp); nothing
// when the row's sum is not settled (a NaN or an infinity, its sign in doubt).
std::optional<PartialRow> fast_softmax_backward_row(std::span<const double> y,
                                                    std::span<const double> dy, Format format);
std::optional<PartialRow> fast_log_softmax_backward_row(std::span<const double> y,
                                                        std::span<const double> dy,
                                                        Format format);

// Whether this CPU runs fast_row and fast_stablemax_row (it has FMA and AVX2).
bool fast_path_available();

// fast_row and fast_stablemax_row where available (counted below), else nothing.
std::optional<RowReference> try_fast_row(std::span<const double> x, Format format,
                                         std::size_t target);
std::optional<StableMaxReference> try_fast_stablemax_row(std::span<const double> x,
                                                         Format format, std::size_t target);
// The loss family's: fast_softmax_loss_row, fast_sigmoid_bce_row, fast_z_loss_row or the
// normalisers' by kind.
std::optional<LossReference> try_fast_loss_row(LossKind kind, const LossParameters& parameters,
                                               std::span<const double> x, Format format,
                                               std::size_t target);

// fast_softmax_backward_row (log_softmax false) or fast_log_softmax_backward_row where
// available (counted below), else nothing.
std::optional<PartialRow> try_fast_backward_row(bool log_softmax, std::span<const double> y,
                                                std::span<const double> dy, Format format);

// Rows answered by fast_row and rows that fell back to MPFR, since the start of the process
// (all threads); for the throughput measurement (analyses/perf/verify_throughput.cpp).
struct FastPathCounts {
  std::uint64_t fast_rows = 0;
  std::uint64_t fallback_rows = 0;
  std::uint64_t fast_elements = 0;      // outputs of fast rows (3 n + 2 per row)
  std::uint64_t fallback_elements = 0;  // outputs of rows that fell back
  std::uint64_t stablemax_fast_rows = 0;      // StableMax rows answered by the fast path
  std::uint64_t stablemax_fallback_rows = 0;  // and those that fell back
  std::uint64_t loss_fast_rows = 0;      // loss-family rows (try_fast_loss_row)
  std::uint64_t loss_fallback_rows = 0;  // and those that fell back
  std::uint64_t backward_fast_rows = 0;      // softmax backward rows (try_fast_backward_row)
  std::uint64_t backward_fallback_rows = 0;  // and those that fell back whole
  std::uint64_t backward_partial_rows = 0;   // and those with some outputs left to MPFR
};
FastPathCounts fast_path_counts();

}  // namespace softcheck::reference
