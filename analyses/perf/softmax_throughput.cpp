// f32 softmax throughput on one thread: softcheck's SIMD kernels (every algorithm) and
// scalar two-pass kernel, XNNPACK, oneDNN and libtorch (each when built with it), and
// memcpy as the bandwidth yardstick, for row lengths 16 .. 16M in one run.
//
// GB/s counts one read and one write per element (8 bytes/element), whatever the algorithm
// actually moves, so the columns compare time for the same work. Rows shorter than 64K are
// run as a batch of 65536 / n rows (256 KB in, 256 KB out: the L2-resident case); from 64K
// on, one row (64K: 512 KB, L2; 1M: 8 MB; 16M: 128 MB, far past the caches). Each entry is
// the best of repeated timed calls (at least 5, and at least kMinSeconds), after a warm-up
// call; the libraries' operators / primitives are created once outside the timing.
//
// Output: one line per (n, contender): "n contender GB/s ns_per_element", and a header.
// Usage: softmax_throughput [--quick] [--lengths N,N,...] [--only TEXT] (quick: lengths up
// to 64K and short timing, the smoke test's mode; --only: the contenders whose name contains
// TEXT, and memcpy). analyses/perf/run.sh runs it and writes reports/perf.md.
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
double g_min_seconds = 0.3;

// A contender: prepare(x, out, rows, n) returns the timed call.
struct Contender {
  std::string name;
  std::function<std::function<void()>(const float*, float*, std::size_t, std::size_t)> prepare;
};

double best_seconds(const std::function<void()>& call) {
  call();  // warm-up (page faults, caches, lazy initialisation)
  double best = 1e30, total = 0;
  for (int reps = 0; reps < 5 || total < g_min_seconds; ++reps) {
    const auto start = Clock::now();
    call();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    best = std::min(best, seconds);
    total += seconds;
  }
  return best;
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
      lengths = {16, 1024, 65536}, g_min_seconds = 0.01;
    } else if (std::strcmp(argv[a], "--lengths") == 0 && a + 1 < argc) {  // --lengths 64,1024
      lengths.clear();
      for (char* p = argv[++a]; *p;) {
        lengths.push_back(std::strtoull(p, &p, 10));
        if (*p == ',') ++p;
      }
    } else if (std::strcmp(argv[a], "--only") == 0 && a + 1 < argc) {
      only = argv[++a];
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
  std::printf("# n contender GB/s ns_per_element\n");
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (std::size_t n : lengths) {
    const std::size_t rows = std::max<std::size_t>(1, 65536 / n);
    const std::size_t count = rows * n;
    std::vector<float> x(count + 64), out(count + 64);  // + XNNPACK's read-over
    for (float& v : x) v = normal(rng);
    for (const Contender& contender : list) {
      if (!only.empty() && contender.name != "memcpy" &&
          contender.name.find(only) == std::string::npos)
        continue;
      const auto call = contender.prepare(x.data(), out.data(), rows, n);
      const double seconds = best_seconds(call);
      const double per_element = seconds / static_cast<double>(count);
      std::printf("%zu\t%s\t%.3f\t%.4f\n", n, contender.name.c_str(), 8e-9 / per_element,
                  per_element * 1e9);
      std::fflush(stdout);
    }
  }
  return 0;
}
