// f32 softmax throughput on one thread: softcheck's SIMD kernels (every algorithm) and
// scalar two-pass kernel, XNNPACK, oneDNN and libtorch (each when built with it), and
// memcpy as the bandwidth yardstick, for row lengths 16 .. 16M in one run.
//
// GB/s counts one read and one write per element (8 bytes/element), whatever the algorithm
// actually moves, so the columns compare time for the same work. Rows shorter than 64K are
// run as a batch of 65536 / n rows (256 KB in, 256 KB out: the L2-resident case); from 64K
// on, one row (64K: 512 KB, L2; 1M: 8 MB; 16M: 128 MB, past L2). Per row length, one input
// and one output buffer (64-byte aligned, first-touched once) serve every contender, and the
// contenders take turns: after one warm-up call each, g_rounds rounds in which every
// contender times one sample (an untimed call, then a fixed number of timed calls, about
// g_sample_seconds), the round's order rotated by one each round. So every contender sees the same machine conditions (other
// tenants, which caches the buffers are in) over the same stretch of time, and the ratios between
// them hold even when the machine's memory speed moves between runs. The libraries' operators /
// primitives are created once outside the timing.
//
// Output: a header, then one line per (n, contender): "n contender median_GB/s best_GB/s
// worst_GB/s median_ns_per_element" over the rounds.
// Usage: softmax_throughput [--quick] [--lengths N,N,...] [--only TEXT] [--stream-bytes B]
// (quick: lengths up to 64K, 3 rounds of short samples, the smoke test's mode; --only: the
// contenders whose name contains TEXT, and memcpy; --stream-bytes: the SIMD kernels'
// streaming-store threshold, simd.hpp). analyses/perf/run.sh runs it and writes
// reports/perf.md.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernel.hpp"
#include "kernels/simd/simd.hpp"

#ifdef SOFTCHECK_PERF_XNNPACK
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

// A contender: prepare(x, out, rows, n) returns the timed call.
struct Contender {
  std::string name;
  std::function<std::function<void()>(const float*, float*, std::size_t, std::size_t)> prepare;
};

// 64-byte aligned floats (a cache line, an AVX-512 vector), zeroed: first-touched here, once.
using Floats = std::unique_ptr<float[], decltype(&std::free)>;
Floats aligned_floats(std::size_t count) {
  const std::size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
  Floats p(static_cast<float*>(std::aligned_alloc(64, bytes)), &std::free);
  if (!p) std::abort();
  std::memset(p.get(), 0, bytes);
  return p;
}

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

std::vector<Contender> contenders() {
  std::vector<Contender> list;
  list.push_back({"memcpy", [](const float* x, float* out, std::size_t rows, std::size_t n) {
                    return std::function<void()>(
                        [=] { std::memcpy(out, x, rows * n * sizeof(float)); });
                  }});
  softcheck::Registry registry;
  softcheck::register_builtin_kernels(registry);
  for (const char* glob : {"builtin/softmax/f32/simd-*", "builtin/softmax/f32/two-pass"}) {
    for (const softcheck::Kernel* kernel : registry.match(glob)) {
      const softcheck::KernelFn run = kernel->run;
      const std::string name = kernel->algorithm.rfind("simd-", 0) == 0
                                   ? "softcheck " + kernel->algorithm
                                   : "softcheck scalar " + kernel->algorithm;
      list.push_back({name, [run](const float* x, float* out, std::size_t rows, std::size_t n) {
                        softcheck::KernelCall call;
                        call.x = x, call.out = out, call.rows = rows, call.n = n, call.stride = n;
                        return std::function<void()>([run, call] { run(call); });
                      }});
    }
  }
#ifdef SOFTCHECK_PERF_XNNPACK
  list.push_back({"XNNPACK", [](const float* x, float* out, std::size_t rows, std::size_t n) {
                    if (xnn_initialize(nullptr) != xnn_status_success) std::abort();
                    xnn_operator_t op = nullptr;
                    if (xnn_create_softmax_nc_f32(n, n, n, 0, &op) != xnn_status_success ||
                        xnn_setup_softmax_nc_f32(op, rows, x, out, nullptr) != xnn_status_success)
                      std::abort();
                    std::shared_ptr<xnn_operator> owner(op, xnn_delete_operator);
                    return std::function<void()>([owner] { xnn_run_operator(owner.get(), nullptr); });
                  }});
#endif
#ifdef SOFTCHECK_PERF_ONEDNN
  list.push_back({"oneDNN", [](const float* x, float* out, std::size_t rows, std::size_t n) {
                    static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
                    const dnnl::memory::desc tensor({static_cast<dnnl::memory::dim>(rows),
                                                     static_cast<dnnl::memory::dim>(n)},
                                                    dnnl::memory::data_type::f32,
                                                    dnnl::memory::format_tag::ab);
                    const dnnl::softmax_v2_forward::desc desc(
                        dnnl::prop_kind::forward_inference, dnnl::algorithm::softmax_accurate,
                        tensor, tensor, 1);
                    const dnnl::softmax_v2_forward::primitive_desc pd(desc, engine);
                    auto primitive = std::make_shared<dnnl::softmax_v2_forward>(pd);
                    auto src = std::make_shared<dnnl::memory>(tensor, engine, const_cast<float*>(x));
                    auto dst = std::make_shared<dnnl::memory>(tensor, engine, out);
                    return std::function<void()>([=] {
                      dnnl::stream stream(engine);
                      primitive->execute(stream, {{DNNL_ARG_SRC, *src}, {DNNL_ARG_DST, *dst}});
                      stream.wait();
                    });
                  }});
#endif
#ifdef SOFTCHECK_PERF_TORCH
  list.push_back({"libtorch", [](const float* x, float* out, std::size_t rows, std::size_t n) {
                    const auto options = at::TensorOptions().dtype(at::kFloat);
                    const std::vector<std::int64_t> shape = {static_cast<std::int64_t>(rows),
                                                             static_cast<std::int64_t>(n)};
                    at::Tensor input = at::from_blob(const_cast<float*>(x), shape, options);
                    at::Tensor output = at::from_blob(out, shape, options);
                    return std::function<void()>(
                        [input, output]() mutable { at::_softmax_out(output, input, 1, false); });
                  }});
#endif
  return list;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> lengths = {16, 128, 1024, 8192, 65536, 1u << 20, 1u << 24};
  std::string only;  // --only TEXT: just the contenders whose name contains TEXT (and memcpy)
  for (int a = 1; a < argc; ++a) {
    if (std::strcmp(argv[a], "--quick") == 0) {
      lengths = {16, 1024, 65536}, g_rounds = 3, g_sample_seconds = 0.001;
    } else if (std::strcmp(argv[a], "--lengths") == 0 && a + 1 < argc) {  // --lengths 64,1024
      lengths.clear();
      for (char* p = argv[++a]; *p;) {
        lengths.push_back(std::strtoull(p, &p, 10));
        if (*p == ',') ++p;
      }
    } else if (std::strcmp(argv[a], "--only") == 0 && a + 1 < argc) {
      only = argv[++a];
    } else if (std::strcmp(argv[a], "--stream-bytes") == 0 && a + 1 < argc) {
      softcheck::kernels::simd_set_stream_bytes(std::strtoull(argv[++a], nullptr, 10));
    }
  }
#ifdef SOFTCHECK_PERF_ONEDNN
#ifdef SOFTCHECK_PERF_OPENMP
  omp_set_num_threads(1);
#endif
#endif
#ifdef SOFTCHECK_PERF_TORCH
  at::set_num_threads(1);
#endif
  const auto list = contenders();
  std::printf("# softmax f32, one thread, SIMD target %s; GB/s = 8 bytes/element / time\n",
              softcheck::kernels::simd_target_name().c_str());
  std::printf(
      "# %d interleaved rounds of ~%g s samples; SIMD streaming stores from %zu-byte rows\n",
      g_rounds, g_sample_seconds, softcheck::kernels::simd_stream_bytes());
  std::printf("# n contender median_GB/s best_GB/s worst_GB/s median_ns_per_element\n");
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (std::size_t n : lengths) {
    const std::size_t rows = std::max<std::size_t>(1, 65536 / n);
    const std::size_t count = rows * n;
    // + 64: XNNPACK's read-over
    const Floats x = aligned_floats(count + 64), out = aligned_floats(count + 64);
    for (std::size_t i = 0; i < count; ++i) x[i] = normal(rng);
    std::vector<Run> runs;
    for (const Contender& contender : list) {
      if (!only.empty() && contender.name != "memcpy" &&
          contender.name.find(only) == std::string::npos)
        continue;
      runs.push_back({contender.name, contender.prepare(x.get(), out.get(), rows, n), 1, {}});
    }
    interleave(runs);
    const auto gbs = [&](double seconds) { return 8e-9 * static_cast<double>(count) / seconds; };
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
