// MPFR keeps per-thread caches (constants such as log 2, a pool of integers) that only
// mpfr_free_cache2 called in the owning thread releases. The gate evaluates references on
// worker threads that come and go; registering this in each evaluating thread releases its
// caches when the thread exits (about 1-2 KB per thread otherwise lost).
#pragma once

#include <mpfr.h>

namespace softcheck::reference {

inline void release_mpfr_caches_at_thread_exit() {
  struct Releaser {
    ~Releaser() { mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE); }
  };
  thread_local Releaser releaser;  // constructed on first use in each thread
  (void)releaser;
}

}  // namespace softcheck::reference
