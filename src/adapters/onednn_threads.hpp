// One OpenMP thread for the duration of a oneDNN call.
//
// Debian's oneDNN 2.6 uses the OpenMP runtime and sizes its parallel regions by
// omp_get_max_threads(). softcheck checks one kernel call at a time and forks isolation
// workers, and forking a process whose OpenMP pool has started is hazardous (libgomp has no
// fork handlers). With one thread libgomp starts no pool at all, and the result does not
// depend on how the rows are split across threads. The scope restores the calling thread's
// previous setting. Without OpenMP (SOFTCHECK_ONEDNN_OPENMP unset) it does nothing; set
// OMP_NUM_THREADS=1 then.
#pragma once

#ifdef SOFTCHECK_ONEDNN_OPENMP
#include <omp.h>
#endif

namespace softcheck::adapters::onednn {

class OneThreadScope {
 public:
#ifdef SOFTCHECK_ONEDNN_OPENMP
  OneThreadScope() : saved_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~OneThreadScope() { omp_set_num_threads(saved_); }
#else
  OneThreadScope() = default;
#endif
  OneThreadScope(const OneThreadScope&) = delete;
  OneThreadScope& operator=(const OneThreadScope&) = delete;

 private:
#ifdef SOFTCHECK_ONEDNN_OPENMP
  int saved_;
#endif
};

}  // namespace softcheck::adapters::onednn
