// radius_throughput: how fast the Taylor-radius code of src/taylor_radius runs.
//
//   build/radius_throughput [ROWS [N [REPEATS]]]     (defaults 1024 1000 50)
//
// 1. The fast batch bound taylor_radius::batch_rho_a (f64 and f32) over a ROWS x N batch of
//    directions, against memcpy of the same bytes (the memory-speed yardstick): the best of
//    REPEATS passes each, as elements/s and GB/s (bytes read; memcpy also writes them).
// 2. The certified radius taylor_radius::certify_radius for rows of n = 1000 (logits from the shared
//    families normal-s1 and normal-s30, random N(0, s^2) directions): seconds per row.
// A benchmark, not a test: ctest never runs it. Numbers go into README "Taylor radius (ghosts)".
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/families.hpp"
#include "core/rng.hpp"
#include "taylor_radius/batch.hpp"
#ifdef SOFTCHECK_HAVE_ARB
#include "taylor_radius/certify.hpp"
#endif

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint64_t kSeed = 1;         // directions and family rows
constexpr std::size_t kCertifyN = 1000;    // row length of the certification timing
constexpr std::size_t kRowsPerFamily = 3;  // certified rows per (family, direction scale)

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The best (smallest) time of `repeats` calls of f.
template <typename F>
double best_time(int repeats, F&& f) {
  double best = 1e300;
  for (int i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    f();
    best = std::min(best, seconds_since(start));
  }
  return best;
}

void report(const char* what, std::size_t elements, std::size_t bytes, double seconds) {
  std::printf("%-28s %9.3e elements/s  %7.2f GB/s  (%.3f ms per pass)\n", what,
              elements / seconds, bytes / seconds / 1e9, seconds * 1e3);
}

// A sink the optimiser cannot see through, so the timed calls are not removed.
volatile double g_sink = 0;

void throughput(std::size_t rows, std::size_t n, int repeats) {
  softcheck::Rng rng(kSeed);
  std::vector<double> a64(rows * n);
  for (double& v : a64) v = rng.normal();
  const std::vector<float> a32(a64.begin(), a64.end());
  std::vector<char> copy(a64.size() * sizeof(double));
  const std::size_t elements = a64.size();
  std::printf("batch rho_a over %zu rows x %zu classes, best of %d passes\n", rows, n, repeats);
  const double t64 = best_time(repeats, [&] {
    g_sink = g_sink + softcheck::taylor_radius::batch_rho_a(a64, rows, n);
  });
  const double t32 = best_time(repeats, [&] {
    g_sink = g_sink + softcheck::taylor_radius::batch_rho_a(a32, rows, n);
  });
  const double m64 = best_time(repeats, [&] {
    std::memcpy(copy.data(), a64.data(), elements * sizeof(double));
    g_sink = g_sink + copy[elements];
  });
  const double m32 = best_time(repeats, [&] {
    std::memcpy(copy.data(), a32.data(), elements * sizeof(float));
    g_sink = g_sink + copy[elements / 2];
  });
  report("batch_rho_a f64", elements, elements * sizeof(double), t64);
  report("memcpy, same bytes as f64", elements, elements * sizeof(double), m64);
  report("batch_rho_a f32", elements, elements * sizeof(float), t32);
  report("memcpy, same bytes as f32", elements, elements * sizeof(float), m32);
}

#ifdef SOFTCHECK_HAVE_ARB
// The first rows of length kCertifyN of a family (f64, default suite).
std::vector<std::vector<double>> family_rows(const std::string& name) {
  std::vector<std::vector<double>> out;
  const auto* family = softcheck::find_family(name);
  for (const auto& b : family->generate(softcheck::Format::f64, softcheck::Suite::standard,
                                        softcheck::family_seed(kSeed, name)))
    for (std::size_t r = 0; b.n == kCertifyN && r < b.rows && out.size() < kRowsPerFamily; ++r)
      out.emplace_back(b.row(r).begin(), b.row(r).end());
  return out;
}

void certification() {
  std::printf("\ncertified rho* (taylor_radius::certify_radius), n = %zu\n", kCertifyN);
  softcheck::Rng rng(kSeed);
  double worst = 0;
  for (const char* family : {"normal-s1", "normal-s30"})
    for (const double scale : {1.0, 30.0}) {
      for (const auto& z : family_rows(family)) {
        std::vector<double> a(kCertifyN);
        for (double& v : a) v = scale * rng.normal();
        const auto start = Clock::now();
        const auto r = softcheck::taylor_radius::certify_radius(z, a);
        const double t = seconds_since(start);
        worst = std::max(worst, t);
        std::printf("%-11s directions N(0, %2.0f^2): %.3f s  %s  rho* in [%.9g, %.9g]\n", family,
                    scale, t, std::string(softcheck::taylor_radius::name(r.status)).c_str(), r.lo, r.hi);
      }
    }
  std::printf("slowest row: %.3f s\n", worst);
}
#else
void certification() { std::printf("\n(certification not timed: built without Arb)\n"); }
#endif

std::size_t argument(int argc, char** argv, int i, std::size_t fallback) {
  return argc > i ? std::strtoull(argv[i], nullptr, 10) : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t rows = argument(argc, argv, 1, 1024);
  const std::size_t n = argument(argc, argv, 2, 1000);
  const int repeats = static_cast<int>(argument(argc, argv, 3, 50));
  if (rows == 0 || n == 0 || repeats <= 0) {
    std::fprintf(stderr, "usage: radius_throughput [ROWS [N [REPEATS]]] (all > 0)\n");
    return 2;
  }
  throughput(rows, n, repeats);
  certification();
  return 0;
}
