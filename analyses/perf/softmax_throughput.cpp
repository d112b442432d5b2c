// Softmax-family throughput: softcheck's SIMD kernels (every algorithm), XNNPACK, oneDNN and
// libtorch (each when built with it and when it has the op and
// format), and memcpy as the bandwidth yardstick, for a list of row lengths in one run.
//
// Ops: softmax, log_softmax, cross_entropy (--op; loss per row and the gradient, the targets
// uniform random, fixed per length). Formats: f32, bf16, f16 (--format; f16 has no CPU peer
// here). Cross-entropy's peers compose the library's own kernels, as training runs them:
// libtorch log_softmax, nll_loss (reduction none) forward and backward, log_softmax backward;
// oneDNN log_softmax forward, the loss gathered from its output, log_softmax backward with
// diff_dst = -onehot(target) (prepared once, outside the timing). Threads: 1 or 2 (--threads): softcheck's kernels split the rows between the caller
// and one persistent helper thread (a row is never split, so every output is the same as on
// one thread); oneDNN runs OpenMP, libtorch its intra-op pool and XNNPACK a pthreadpool at
// that many threads. A row longer than a call's share runs on one thread whatever --threads.
//
// GB/s counts one read and one write per element (2 x the element size; the loss and target
// are not counted), whatever the algorithm actually moves, so the columns compare time for the same work. Every call holds
// at least --min-bytes of input (default 4 MiB): rows shorter than that run as a batch of
// ceil(min-bytes / row bytes) rows, longer ones as one row. Per row length, one input and one
// output buffer (64-byte aligned, first-touched once) serve every contender, and the
// contenders take turns: after one warm-up call each, g_rounds rounds in which every
// contender times one sample (an untimed call, then a fixed number of timed calls, about
// g_sample_seconds), the round's order rotated by one each round. So every contender sees the
// same machine conditions over the same stretch of time, and the ratios between them hold
// even when the machine's memory speed moves between runs. The libraries' operators and
// primitives are created once outside the timing.
//
// Output: a header, then one line per (n, contender): "n contender median_GB/s best_GB/s
// worst_GB/s median_ns_per_element" over the rounds.
// Usage: softmax_throughput [--quick] [--op softmax|log_softmax|cross_entropy] [--format f32|bf16|f16]
//          [--threads 1|2] [--lengths N,N,...] [--min-bytes B] [--only TEXT] [--stream-bytes B]
// (quick: lengths 16, 1024, 65536 with 64 KiB calls, 3 rounds of short samples, the smoke
// test's mode; --only: the contenders whose name contains TEXT, and memcpy; --stream-bytes:
// the SIMD kernels' streaming-store threshold, simd.hpp). analyses/perf/run.sh runs it and
// writes reports/perf.md.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "kernels/element.hpp"
#include "kernels/kernel.hpp"
#include "kernels/simd/simd.hpp"

#ifdef SOFTCHECK_PERF_XNNPACK
#include <pthreadpool.h>
#include <xnnpack.h>
#endif
#ifdef SOFTCHECK_PERF_ONEDNN
#include <dnnl.hpp>
#ifdef SOFTCHECK_PERF_OPENMP
#include <omp.h>
#endif
#endif
#ifdef SOFTCHECK_PERF_TORCH
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;
int g_rounds = 11;               // samples per contender and row length
double g_sample_seconds = 0.03;  // the calls of one sample take about this long

// What one run measures.
struct Setup {
  std::string op = "softmax";  // softmax, log_softmax or cross_entropy
  std::string format = "f32";  // f32, bf16 or f16
  int threads = 1;
  std::size_t element_bytes() const { return format == "f32" ? 4 : 2; }
};

// The buffers of one row length: rows x n logits and outputs (the gradient for
// cross-entropy), and for cross-entropy one loss and one target per row.
struct Buffers {
  const void* x;
  void* out;
  void* loss;
  const std::int64_t* target;
  std::size_t rows, n;
};

// A contender: prepare(buffers) returns the timed call; empty when it has no kernel for the
// setup's op and format.
struct Contender {
  std::string name;
  std::function<std::function<void()>(const Buffers&)> prepare;
};

// 64-byte aligned bytes (a cache line, an AVX-512 vector), zeroed: first-touched here, once.
using Bytes = std::unique_ptr<unsigned char[], decltype(&std::free)>;
Bytes aligned_bytes(std::size_t count) {
  const std::size_t bytes = (count + 63) / 64 * 64;
  Bytes p(static_cast<unsigned char*>(std::aligned_alloc(64, bytes)), &std::free);
  if (!p) std::abort();
  std::memset(p.get(), 0, bytes);
  return p;
}

// One helper thread that runs a task while the caller runs its own share (--threads 2).
class Helper {
 public:
  Helper() : thread_([this] { loop(); }) {}
  ~Helper() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  // Runs mine() here and theirs() on the helper; returns when both are done.
  void run(const std::function<void()>& mine, const std::function<void()>& theirs) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &theirs;
      done_.store(false, std::memory_order_relaxed);
    }
    wake_.notify_one();
    mine();
    while (!done_.load(std::memory_order_acquire)) std::this_thread::yield();
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stop_ || task_ != nullptr; });
      if (stop_) return;
      const std::function<void()>* task = task_;
      task_ = nullptr;
      lock.unlock();
      (*task)();
      done_.store(true, std::memory_order_release);
      lock.lock();
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  const std::function<void()>* task_ = nullptr;
  bool stop_ = false;
  std::atomic<bool> done_{true};
  std::thread thread_;
};

// Seconds per call of `reps` back-to-back calls.
double time_calls(const std::function<void()>& call, int reps) {
  const auto start = Clock::now();
  for (int r = 0; r < reps; ++r) call();
  return std::chrono::duration<double>(Clock::now() - start).count() / reps;
}

// A prepared contender and its samples (seconds per call, one per round).
struct Run {
  std::string name;
  std::function<void()> call;
  int reps = 1;  // calls per sample
  std::vector<double> samples;
};

// Warms every run up (page faults, caches, lazy initialisation; the second call sets the
// calls per sample), then g_rounds rounds of one sample each, round r starting at run r.
// Every sample follows one untimed call of its own, so that it finds the caches as the
// contender itself leaves them, not as its predecessor in the round did (a row that memcpy
// left dirty in the cache slows the streaming stores of whoever comes next).
void interleave(std::vector<Run>& runs) {
  for (Run& run : runs) {
    run.call();
    run.reps = std::max(1, static_cast<int>(g_sample_seconds / time_calls(run.call, 1)));
  }
  for (int round = 0; round < g_rounds; ++round) {
    for (std::size_t k = 0; k < runs.size(); ++k) {
      Run& run = runs[(round + k) % runs.size()];
      run.call();
      run.samples.push_back(time_calls(run.call, run.reps));
    }
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

// softcheck's kernels of the setup: with a helper (--threads 2), the rows split in two.
void add_softcheck(std::vector<Contender>& list, const Setup& setup, Helper* helper) {
  softcheck::Registry registry;
  softcheck::register_builtin_kernels(registry);
  const std::string prefix = "builtin/" + setup.op + "/" + setup.format + "/";
  const std::size_t bytes = setup.element_bytes();
  // The scalar kernels are left out: at about 0.15 GB/s their samples of 16M and 64M rows
  // took most of a setup's time, and they are no one's fast path.
  for (const std::string& glob : {prefix + "simd-*"}) {
    for (const softcheck::Kernel* kernel : registry.match(glob)) {
      const softcheck::KernelFn run = kernel->run;
      const std::string name = "softcheck " + kernel->algorithm;
      list.push_back({name, [run, bytes, helper](const Buffers& b) {
                        softcheck::KernelCall all;
                        all.x = b.x, all.out = b.out, all.loss = b.loss, all.target = b.target;
                        all.rows = b.rows, all.n = b.n, all.stride = b.n;
                        if (!helper || b.rows < 2)
                          return std::function<void()>([run, all] { run(all); });
                        softcheck::KernelCall first = all, second = all;
                        first.rows = b.rows / 2;
                        second.rows = b.rows - first.rows;
                        const std::size_t skip = first.rows * b.n * bytes;
                        second.x = static_cast<const unsigned char*>(b.x) + skip;
                        second.out = static_cast<unsigned char*>(b.out) + skip;
                        if (b.loss) second.loss = static_cast<unsigned char*>(b.loss) + first.rows * bytes;
                        if (b.target) second.target = b.target + first.rows;
                        return std::function<void()>([run, first, second, helper] {
                          helper->run([&] { run(first); }, [&] { run(second); });
                        });
                      }});
    }
  }
}

#ifdef SOFTCHECK_PERF_XNNPACK
// XNNPACK 2022: f32 softmax only.
void add_xnnpack(std::vector<Contender>& list, const Setup& setup) {
  if (setup.op != "softmax" || setup.format != "f32") return;
  const int threads = setup.threads;
  list.push_back({"XNNPACK", [threads](const Buffers& b) {
                    const std::size_t rows = b.rows, n = b.n;
                    if (xnn_initialize(nullptr) != xnn_status_success) std::abort();
                    std::shared_ptr<pthreadpool> pool(
                        threads > 1 ? pthreadpool_create(threads) : nullptr,
                        [](pthreadpool_t p) { if (p) pthreadpool_destroy(p); });
                    xnn_operator_t op = nullptr;
                    if (xnn_create_softmax_nc_f32(n, n, n, 0, &op) != xnn_status_success ||
                        xnn_setup_softmax_nc_f32(op, rows, static_cast<const float*>(b.x),
                                                 static_cast<float*>(b.out), pool.get()) !=
                            xnn_status_success)
                      std::abort();
                    std::shared_ptr<xnn_operator> owner(op, xnn_delete_operator);
                    return std::function<void()>(
                        [owner, pool] { xnn_run_operator(owner.get(), pool.get()); });
                  }});
}
#endif

#ifdef SOFTCHECK_PERF_ONEDNN
// loss[r] = -log_y[r, target[r]] (the sign flips the bf16 sign bit exactly).
void gather_loss(const dnnl::memory& log_y, const Buffers& b, bool bf16) {
  const void* data = log_y.get_data_handle();
  for (std::size_t r = 0; r < b.rows; ++r) {
    const std::size_t at = r * b.n + static_cast<std::size_t>(b.target[r]);
    if (bf16) {
      static_cast<std::uint16_t*>(b.loss)[r] =
          static_cast<std::uint16_t>(static_cast<const std::uint16_t*>(data)[at] ^ 0x8000u);
    } else {
      static_cast<float*>(b.loss)[r] = -static_cast<const float*>(data)[at];
    }
  }
}

// oneDNN 2.6: softmax_accurate and softmax_log, f32 and bf16; cross-entropy as its log_softmax
// forward, the loss gathered, and its log_softmax backward with diff_dst = -onehot(target).
void add_onednn(std::vector<Contender>& list, const Setup& setup) {
  if (setup.format == "f16") return;
  const bool bf16 = setup.format == "bf16";
  const auto type = bf16 ? dnnl::memory::data_type::bf16 : dnnl::memory::data_type::f32;
  const auto algorithm = setup.op == "softmax" ? dnnl::algorithm::softmax_accurate
                                               : dnnl::algorithm::softmax_log;
  const bool cross_entropy = setup.op == "cross_entropy";
  const std::size_t bytes = setup.element_bytes();
  list.push_back({"oneDNN", [=](const Buffers& b) {
                    static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
                    const dnnl::memory::desc tensor({static_cast<dnnl::memory::dim>(b.rows),
                                                     static_cast<dnnl::memory::dim>(b.n)},
                                                    type, dnnl::memory::format_tag::ab);
                    const auto kind = cross_entropy ? dnnl::prop_kind::forward_training
                                                    : dnnl::prop_kind::forward_inference;
                    const dnnl::softmax_v2_forward::primitive_desc pd(
                        dnnl::softmax_v2_forward::desc(kind, algorithm, tensor, tensor, 1), engine);
                    auto forward = std::make_shared<dnnl::softmax_v2_forward>(pd);
                    auto src = std::make_shared<dnnl::memory>(tensor, engine, const_cast<void*>(b.x));
                    auto out = std::make_shared<dnnl::memory>(tensor, engine, b.out);
                    if (!cross_entropy) {
                      return std::function<void()>([=] {
                        dnnl::stream stream(engine);
                        forward->execute(stream, {{DNNL_ARG_SRC, *src}, {DNNL_ARG_DST, *out}});
                        stream.wait();
                      });
                    }
                    const dnnl::softmax_v2_backward::primitive_desc backward_pd(
                        dnnl::softmax_v2_backward::desc(algorithm, tensor, tensor, tensor, 1),
                        engine, pd);
                    auto backward = std::make_shared<dnnl::softmax_v2_backward>(backward_pd);
                    auto log_y = std::make_shared<dnnl::memory>(tensor, engine);
                    auto diff_dst = std::make_shared<dnnl::memory>(tensor, engine);
                    auto* minus_onehot = static_cast<unsigned char*>(diff_dst->get_data_handle());
                    std::memset(minus_onehot, 0, b.rows * b.n * bytes);
                    const std::uint16_t minus_one_bf16 = 0xBF80;  // bf16 bits of -1
                    const float minus_one = -1.0f;
                    for (std::size_t r = 0; r < b.rows; ++r)
                      std::memcpy(minus_onehot + (r * b.n + static_cast<std::size_t>(b.target[r])) * bytes,
                                  bf16 ? static_cast<const void*>(&minus_one_bf16)
                                       : static_cast<const void*>(&minus_one),
                                  bytes);
                    return std::function<void()>([=] {
                      dnnl::stream stream(engine);
                      forward->execute(stream, {{DNNL_ARG_SRC, *src}, {DNNL_ARG_DST, *log_y}});
                      gather_loss(*log_y, b, bf16);
                      backward->execute(stream, {{DNNL_ARG_DST, *log_y},
                                                 {DNNL_ARG_DIFF_DST, *diff_dst},
                                                 {DNNL_ARG_DIFF_SRC, *out}});
                      stream.wait();
                    });
                  }});
}
#endif

#ifdef SOFTCHECK_PERF_TORCH
// libtorch 1.13: at::_softmax_out and at::_log_softmax_out, f32 and bf16 (its f16 softmax is
// CUDA only); cross-entropy as autograd runs it for log_softmax + nll_loss (reduction none,
// upstream gradient 1): _log_softmax, nll_loss_forward, nll_loss_backward,
// _log_softmax_backward_data, the intermediate tensors allocated once.
void add_torch(std::vector<Contender>& list, const Setup& setup) {
  if (setup.format == "f16") return;
  const auto type = setup.format == "bf16" ? at::kBFloat16 : at::kFloat;
  const std::string op = setup.op;
  list.push_back({"libtorch", [type, op](const Buffers& b) {
                    const auto options = at::TensorOptions().dtype(type);
                    const std::vector<std::int64_t> shape = {static_cast<std::int64_t>(b.rows),
                                                             static_cast<std::int64_t>(b.n)};
                    at::Tensor input = at::from_blob(const_cast<void*>(b.x), shape, options);
                    at::Tensor output = at::from_blob(b.out, shape, options);
                    if (op == "softmax")
                      return std::function<void()>([=]() mutable { at::_softmax_out(output, input, 1, false); });
                    if (op == "log_softmax")
                      return std::function<void()>([=]() mutable { at::_log_softmax_out(output, input, 1, false); });
                    const std::int64_t rows = static_cast<std::int64_t>(b.rows);
                    at::Tensor loss = at::from_blob(b.loss, {rows}, options);
                    at::Tensor target = at::from_blob(const_cast<std::int64_t*>(b.target), {rows},
                                                      at::TensorOptions().dtype(at::kLong));
                    at::Tensor log_y = at::empty(shape, options);
                    at::Tensor grad_log_y = at::empty(shape, options);
                    at::Tensor total_weight = at::empty({}, options);
                    const at::Tensor upstream = at::ones({rows}, options);
                    const auto none = at::Reduction::None;
                    constexpr std::int64_t kNoIgnore = -100;  // nll_loss's default ignore_index
                    return std::function<void()>([=]() mutable {
                      at::_log_softmax_out(log_y, input, 1, false);
                      at::nll_loss_forward_out(loss, total_weight, log_y, target, {}, none, kNoIgnore);
                      at::nll_loss_backward_out(grad_log_y, upstream, log_y, target, {}, none,
                                                kNoIgnore, total_weight);
                      at::_log_softmax_backward_data_out(output, grad_log_y, log_y, 1, type);
                    });
                  }});
}
#endif

std::vector<Contender> contenders(const Setup& setup, Helper* helper) {
  std::vector<Contender> list;
  list.push_back({"memcpy", [bytes = setup.element_bytes()](const Buffers& b) {
                    return std::function<void()>(
                        [=] { std::memcpy(b.out, b.x, b.rows * b.n * bytes); });
                  }});
  add_softcheck(list, setup, helper);
#ifdef SOFTCHECK_PERF_XNNPACK
  add_xnnpack(list, setup);
#endif
#ifdef SOFTCHECK_PERF_ONEDNN
  add_onednn(list, setup);
#endif
#ifdef SOFTCHECK_PERF_TORCH
  add_torch(list, setup);
#endif
  return list;
}

// N(0, 3^2) logits in the setup's format.
void fill_logits(unsigned char* x, std::size_t count, const Setup& setup, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (std::size_t i = 0; i < count; ++i) {
    const float v = normal(rng);
    if (setup.format == "f32") {
      std::memcpy(x + 4 * i, &v, 4);
    } else {
      const std::uint16_t bits = setup.format == "bf16" ? softcheck::kernels::narrow_bf16(v)
                                                        : softcheck::kernels::narrow_f16(v);
      std::memcpy(x + 2 * i, &bits, 2);
    }
  }
}

std::vector<std::size_t> parse_list(const char* text) {
  std::vector<std::size_t> values;
  for (char* p = const_cast<char*>(text); *p;) {
    values.push_back(std::strtoull(p, &p, 10));
    if (*p == ',') ++p;
  }
  return values;
}

[[noreturn]] void usage(const char* problem) {
  std::fprintf(stderr, "softmax_throughput: %s\n", problem);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> lengths = {8,    16,      32,      64,       128,      1024,
                                      8192, 65536, 1u << 20, 1u << 24, 1u << 26};
  std::size_t min_bytes = std::size_t{4} << 20;
  std::string only;  // --only TEXT: just the contenders whose name contains TEXT (and memcpy)
  Setup setup;
  for (int a = 1; a < argc; ++a) {
    const bool has_value = a + 1 < argc;
    if (std::strcmp(argv[a], "--quick") == 0) {
      lengths = {16, 1024, 65536}, min_bytes = 65536, g_rounds = 3, g_sample_seconds = 0.001;
    } else if (std::strcmp(argv[a], "--lengths") == 0 && has_value) {  // --lengths 64,1024
      lengths = parse_list(argv[++a]);
    } else if (std::strcmp(argv[a], "--min-bytes") == 0 && has_value) {
      min_bytes = std::strtoull(argv[++a], nullptr, 10);
    } else if (std::strcmp(argv[a], "--op") == 0 && has_value) {
      setup.op = argv[++a];
      if (setup.op != "softmax" && setup.op != "log_softmax" && setup.op != "cross_entropy")
        usage("--op: softmax, log_softmax or cross_entropy");
    } else if (std::strcmp(argv[a], "--format") == 0 && has_value) {
      setup.format = argv[++a];
      if (setup.format != "f32" && setup.format != "bf16" && setup.format != "f16")
        usage("--format: f32, bf16 or f16");
    } else if (std::strcmp(argv[a], "--threads") == 0 && has_value) {
      setup.threads = std::atoi(argv[++a]);
      if (setup.threads != 1 && setup.threads != 2) usage("--threads: 1 or 2");
    } else if (std::strcmp(argv[a], "--only") == 0 && has_value) {
      only = argv[++a];
    } else if (std::strcmp(argv[a], "--stream-bytes") == 0 && has_value) {
      softcheck::kernels::simd_set_stream_bytes(std::strtoull(argv[++a], nullptr, 10));
    } else {
      usage((std::string("unknown or incomplete option ") + argv[a]).c_str());
    }
  }
#ifdef SOFTCHECK_PERF_ONEDNN
#ifdef SOFTCHECK_PERF_OPENMP
  omp_set_num_threads(setup.threads);
#endif
#endif
#ifdef SOFTCHECK_PERF_TORCH
  at::set_num_threads(setup.threads);
#endif
  const std::unique_ptr<Helper> helper(setup.threads > 1 ? new Helper : nullptr);
  const auto list = contenders(setup, helper.get());
  const std::size_t bytes = setup.element_bytes();
  std::printf("# %s %s, %d thread%s, SIMD target %s; GB/s = %zu bytes/element / time\n",
              setup.op.c_str(), setup.format.c_str(), setup.threads, setup.threads > 1 ? "s" : "",
              softcheck::kernels::simd_target_name().c_str(), 2 * bytes);
  std::printf(
      "# %d interleaved rounds of ~%g s samples; calls of >= %zu bytes of input; SIMD streaming "
      "stores from %zu-byte f32 rows\n",
      g_rounds, g_sample_seconds, min_bytes, softcheck::kernels::simd_stream_bytes());
  std::printf("# n contender median_GB/s best_GB/s worst_GB/s median_ns_per_element\n");
  std::mt19937 rng(1);
  for (std::size_t n : lengths) {
    if (n == 0) usage("--lengths: every length must be positive");
    const std::size_t rows = std::max<std::size_t>(1, (min_bytes + n * bytes - 1) / (n * bytes));
    const std::size_t count = rows * n;
    // + 256 bytes: XNNPACK's read-over
    const Bytes x = aligned_bytes(count * bytes + 256), out = aligned_bytes(count * bytes + 256);
    fill_logits(x.get(), count, setup, rng);
    const Bytes loss = aligned_bytes(rows * bytes);
    std::vector<std::int64_t> targets(rows);
    std::uniform_int_distribution<std::size_t> pick(0, n - 1);
    for (std::int64_t& t : targets) t = static_cast<std::int64_t>(pick(rng));
    const bool cross_entropy = setup.op == "cross_entropy";
    const Buffers buffers{x.get(), out.get(), cross_entropy ? loss.get() : nullptr,
                          cross_entropy ? targets.data() : nullptr, rows, n};
    std::vector<Run> runs;
    for (const Contender& contender : list) {
      if (!only.empty() && contender.name != "memcpy" &&
          contender.name.find(only) == std::string::npos)
        continue;
      // A library that cannot run the setup (oneDNN 2.6 has no bf16 softmax without AVX-512)
      // is left out of this length with one line saying why; the others still run.
      std::function<void()> call;
      try {
        call = contender.prepare(buffers);
      } catch (const std::exception& e) {
        std::printf("# %s left out at n = %zu: %s\n", contender.name.c_str(), n, e.what());
      }
      if (call) runs.push_back({contender.name, std::move(call), 1, {}});
    }
    interleave(runs);
    const auto gbs = [&](double seconds) {
      return 2e-9 * static_cast<double>(bytes * count) / seconds;
    };
    for (const Run& run : runs) {
      const double mid = median(run.samples);
      const auto [fast, slow] = std::minmax_element(run.samples.begin(), run.samples.end());
      std::printf("%zu\t%s\t%.3f\t%.3f\t%.3f\t%.4f\n", n, run.name.c_str(), gbs(mid), gbs(*fast),
                  gbs(*slow), mid * 1e9 / static_cast<double>(count));
    }
    std::fflush(stdout);
  }
  return 0;
}
