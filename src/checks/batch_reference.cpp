#include "checks/batch_reference.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>

namespace softcheck {
namespace {

// evaluate(row, format, target) for every row of the batch, on `threads` threads.
template <class Result, class Evaluate>
std::vector<Result> evaluate_rows(const Batch& batch, unsigned threads, Evaluate evaluate) {
  std::vector<Result> rows(batch.rows);
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  auto work = [&] {
    try {
      for (std::size_t r = next++; r < batch.rows && !failed; r = next++) {
        const auto target = batch.n > 0 ? static_cast<std::size_t>(batch.targets[r]) : 0;
        rows[r] = evaluate(batch.row(r), batch.format, target);
      }
    } catch (...) {
      if (!failed.exchange(true)) failure = std::current_exception();
    }
  };
  const unsigned count = std::max(1u, std::min<unsigned>(threads, batch.rows));
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < count; ++t) pool.emplace_back(work);
  work();
  pool.clear();
  if (failure) std::rethrow_exception(failure);
  return rows;
}

}  // namespace

std::vector<reference::RowReference> reference_batch(const Batch& batch, unsigned threads,
                                                     bool fast_path) {
  reference::ReferenceOptions options;
  options.fast_path = fast_path;
  return evaluate_rows<reference::RowReference>(
      batch, threads,
      [&options](auto x, Format f, std::size_t y) { return reference::evaluate_row(x, f, y, options); });
}

std::vector<reference::StableMaxReference> stablemax_reference_batch(const Batch& batch,
                                                                     unsigned threads,
                                                                     bool fast_path) {
  reference::ReferenceOptions options;
  options.fast_path = fast_path;
  return evaluate_rows<reference::StableMaxReference>(
      batch, threads, [&options](auto x, Format f, std::size_t y) {
        return reference::evaluate_stablemax_row(x, f, y, options);
      });
}

std::vector<reference::LossReference> loss_reference_batch(const Batch& batch,
                                                           reference::LossKind kind,
                                                           const LossParameters& parameters,
                                                           unsigned threads) {
  return evaluate_rows<reference::LossReference>(
      batch, threads, [kind, &parameters](auto x, Format f, std::size_t y) {
        return reference::evaluate_loss_row(kind, parameters, x, f, y);
      });
}

}  // namespace softcheck
