// One evaluation per row of a batch, on several threads: the reference stage's parallel loop,
// shared by the per-op references (op_reference.hpp) and the batch references of the
// analyses (checks/batch_reference.hpp). The first exception a row throws is rethrown.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

#include "core/batch.hpp"

namespace softcheck::reference {

// result[r] = evaluate(r) for every row r of `batch`, on up to `threads` threads.
template <class Result, class Evaluate>
std::vector<Result> evaluate_rows(const Batch& batch, unsigned threads, Evaluate evaluate) {
  std::vector<Result> rows(batch.rows);
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  auto work = [&] {
    try {
      for (std::size_t r = next++; r < batch.rows && !failed; r = next++) rows[r] = evaluate(r);
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

}  // namespace softcheck::reference
