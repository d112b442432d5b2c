// The helper threads of parallel_for: see parallel.hpp.
#include "core/parallel.hpp"

#include <pthread.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace softcheck::detail {
namespace {

thread_local bool in_loop = false;  // this thread is running a loop's work
bool forked = false;                // this process is a child forked after the pool started

// Workers that wait for a job, take it while it wants more helpers, and report when done.
// They are never joined: the process ends them (exit may come from inside a job).
class Pool {
 public:
  Pool() { pthread_atfork(nullptr, nullptr, [] { forked = true; }); }

  void run(unsigned helpers, const std::function<void()>& work) {
    const std::lock_guard<std::mutex> one_job(job_mutex_);
    {
      std::unique_lock<std::mutex> lock(mutex_);
      while (workers_.size() < helpers) workers_.emplace_back([this] { serve(); });
      job_ = &work;
      wanted_ = helpers, taken_ = 0, finished_ = 0;
      ++generation_;
    }
    wake_.notify_all();
    in_loop = true;
    work();
    in_loop = false;
    std::unique_lock<std::mutex> lock(mutex_);
    wanted_ = taken_;  // helpers that have not started are not waited for
    done_.wait(lock, [&] { return finished_ == taken_; });
    job_ = nullptr;
  }

 private:
  void serve() {
    std::uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return generation_ != seen && taken_ < wanted_; });
      seen = generation_;
      ++taken_;
      const std::function<void()>& work = *job_;
      lock.unlock();
      in_loop = true;
      work();
      in_loop = false;
      lock.lock();
      if (++finished_ == taken_) done_.notify_one();
    }
  }

  std::mutex job_mutex_;  // one job at a time
  std::mutex mutex_;      // the fields below
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void()>* job_ = nullptr;
  std::uint64_t generation_ = 0;
  unsigned wanted_ = 0, taken_ = 0, finished_ = 0;
};

}  // namespace

void run_on_pool(unsigned helpers, const std::function<void()>& work) {
  if (helpers == 0 || in_loop || forked) {
    work();
    return;
  }
  static Pool& pool = *new Pool;  // never destroyed: its threads wait until the process ends
  pool.run(helpers, work);
}

}  // namespace softcheck::detail
