// Work spread over a few threads: parallel_for runs fn(i) for every i in [0, count) on up to
// `threads` threads, the caller's among them, each taking the next index from a shared
// counter (so uneven items balance). The first exception a call throws stops the threads
// from taking new indices and is rethrown in the caller once they have all finished.
//
// The helper threads come from a pool that lives as long as the process: a gate runs
// thousands of short loops (one per batch and stage), and starting threads for each cost more
// than many of the loops' work. A loop started from inside another loop's fn runs on its
// caller alone, as does one in a child process forked while the pool existed.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>

namespace softcheck {

namespace detail {
// Runs work() on the calling thread and on up to `helpers` pool threads at once; returns when
// every run has finished. work must not throw.
void run_on_pool(unsigned helpers, const std::function<void()>& work);
}  // namespace detail

template <class Fn>
void parallel_for(std::size_t count, unsigned threads, Fn&& fn) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr failure;
  const std::function<void()> work = [&] {
    try {
      for (std::size_t i = next++; i < count && !failed; i = next++) fn(i);
    } catch (...) {
      if (!failed.exchange(true)) failure = std::current_exception();
    }
  };
  const std::size_t helpers = std::min<std::size_t>(std::max(1u, threads), count);
  detail::run_on_pool(helpers > 0 ? static_cast<unsigned>(helpers - 1) : 0u, work);
  if (failure) std::rethrow_exception(failure);
}

}  // namespace softcheck
