#include "checks/batch_reference.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>

namespace softcheck {

std::vector<reference::RowReference> reference_batch(const Batch& batch, unsigned threads) {
  std::vector<reference::RowReference> rows(batch.rows);
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  auto work = [&] {
    try {
      for (std::size_t r = next++; r < batch.rows && !failed; r = next++) {
        const auto target = batch.n > 0 ? static_cast<std::size_t>(batch.targets[r]) : 0;
        rows[r] = reference::evaluate_row(batch.row(r), batch.format, target);
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

}  // namespace softcheck
