// Work spread over a few threads: parallel_for runs fn(i) for every i in [0, count) on up to
// `threads` threads, the caller's among them, each taking the next index from a shared
// counter (so uneven items balance). The first exception a call throws stops the threads
// from taking new indices and is rethrown in the caller once they have all finished.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace softcheck {

template <class Fn>
void parallel_for(std::size_t count, unsigned threads, Fn&& fn) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr failure;
  auto work = [&] {
    try {
      for (std::size_t i = next++; i < count && !failed; i = next++) fn(i);
    } catch (...) {
      if (!failed.exchange(true)) failure = std::current_exception();
    }
  };
  const std::size_t helpers = std::min<std::size_t>(std::max(1u, threads), count);
  std::vector<std::jthread> pool;
  for (std::size_t t = 1; t < helpers; ++t) pool.emplace_back(work);
  work();
  pool.clear();  // joins
  if (failure) std::rethrow_exception(failure);
}

}  // namespace softcheck
