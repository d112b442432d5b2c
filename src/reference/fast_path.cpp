// Entry to the reference's fast path (fast_row.hpp): fast_row and fast_exp are compiled for
// FMA and AVX2 (CMakeLists.txt), so this file, compiled for the baseline, checks the CPU first
// and counts the rows each way.
#include <atomic>
#include <utility>

#include "reference/fast_row.hpp"

namespace softcheck::reference {
namespace {

std::atomic<std::uint64_t> g_fast_rows{0}, g_fallback_rows{0}, g_fast_elements{0},
    g_fallback_elements{0}, g_stablemax_fast_rows{0}, g_stablemax_fallback_rows{0}, g_loss_fast_rows{0},
    g_loss_fallback_rows{0}, g_backward_fast_rows{0}, g_backward_fallback_rows{0},
    g_backward_partial_rows{0};

// Counts one row as answered by a fast path (`fast`) or sent to MPFR (`fallback`).
template <class Row>
std::optional<Row> counted(std::optional<Row> row, std::atomic<std::uint64_t>& fast,
                           std::atomic<std::uint64_t>& fallback) {
  (row ? fast : fallback).fetch_add(1, std::memory_order_relaxed);
  return row;
}

}  // namespace

bool fast_path_available() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool available = __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx2");
  return available;
#else
  return true;
#endif
}

std::optional<RowReference> try_fast_row(std::span<const double> x, Format format,
                                         std::size_t target) {
  if (!fast_path_available()) return std::nullopt;
  auto row = fast_row(x, format, target);
  const std::uint64_t elements = 3 * x.size() + 2;
  if (row) {
    g_fast_rows.fetch_add(1, std::memory_order_relaxed);
    g_fast_elements.fetch_add(elements, std::memory_order_relaxed);
  } else {
    g_fallback_rows.fetch_add(1, std::memory_order_relaxed);
    g_fallback_elements.fetch_add(elements, std::memory_order_relaxed);
  }
  return row;
}

std::optional<StableMaxReference> try_fast_stablemax_row(std::span<const double> x,
                                                         Format format, std::size_t target) {
  if (!fast_path_available()) return std::nullopt;
  return counted(fast_stablemax_row(x, format, target), g_stablemax_fast_rows,
                 g_stablemax_fallback_rows);
}

std::optional<LossReference> try_fast_loss_row(LossKind kind, const LossParameters& parameters,
                                               std::span<const double> x, Format format,
                                               std::size_t target) {
  if (!fast_path_available()) return std::nullopt;
  std::optional<LossReference> row;
  switch (kind) {
    case LossKind::sigmoid_bce: row = fast_sigmoid_bce_row(x, format, target); break;
    case LossKind::sigmoid_normaliser: row = fast_sigmoid_normaliser_row(x, format); break;
    case LossKind::softplus_normaliser: row = fast_softplus_normaliser_row(x, format); break;
    case LossKind::z_loss: row = fast_z_loss_row(parameters, x, format, target); break;
    default: row = fast_softmax_loss_row(kind, parameters, x, format, target);
  }
  return counted(std::move(row), g_loss_fast_rows, g_loss_fallback_rows);
}

std::optional<PartialRow> try_fast_backward_row(bool log_softmax, std::span<const double> y,
                                                std::span<const double> dy, Format format) {
  if (!fast_path_available()) return std::nullopt;
  auto row = log_softmax ? fast_log_softmax_backward_row(y, dy, format)
                         : fast_softmax_backward_row(y, dy, format);
  auto& counter = !row                        ? g_backward_fallback_rows
                  : row->undecided.empty()    ? g_backward_fast_rows
                                              : g_backward_partial_rows;
  counter.fetch_add(1, std::memory_order_relaxed);
  return row;
}

FastPathCounts fast_path_counts() {
  return {g_fast_rows.load(),           g_fallback_rows.load(),
          g_fast_elements.load(),       g_fallback_elements.load(),
          g_stablemax_fast_rows.load(), g_stablemax_fallback_rows.load(),
          g_loss_fast_rows.load(),      g_loss_fallback_rows.load(),
          g_backward_fast_rows.load(),  g_backward_fallback_rows.load(),
          g_backward_partial_rows.load()};
}

}  // namespace softcheck::reference
