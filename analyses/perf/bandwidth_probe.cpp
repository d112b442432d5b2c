// What one thread of this machine can stream from memory, per access pattern: the ceiling
// for a softmax pass that reads a row without writing (pass 1 of two-pass), one that reads
// and writes with streaming stores (its last pass), and memcpy, the yardstick of
// reports/perf.md. The memcpy-based bound there assumes every byte moves at memcpy's rate;
// a thread that only reads keeps fewer lines in flight than one whose writes bypass the
// cache, so a read-only pass can be slower than that, and this probe measures by how much.
//
// Loops over float rows of n elements (64-byte aligned, first-touched once), with AVX-512
// vectors where the CPU has them (else SSE2): read = sum of the row (four accumulators,
// prefetching as the kernels do); read + stream = out = 0.5 x with non-temporal stores;
// memcpy = glibc memcpy. Each pattern runs `rounds` times in turn; the
// best and median GB/s are printed (bytes read plus bytes written per second).
// Usage: bandwidth_probe [--n N] [--rounds R]   (default n = 64M floats = 256 MB per row)
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Software prefetch distance, in floats: the SIMD kernels' (simd_softmax.cpp, kPrefetch).
constexpr std::size_t kPrefetch = 2048;

float read_row_sse2(const float* x, std::size_t n) {
  __m128 s0 = _mm_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  for (std::size_t i = 0; i + 16 <= n; i += 16) {
    _mm_prefetch(reinterpret_cast<const char*>(x + i + kPrefetch), _MM_HINT_T0);
    s0 = _mm_add_ps(s0, _mm_load_ps(x + i));
    s1 = _mm_add_ps(s1, _mm_load_ps(x + i + 4));
    s2 = _mm_add_ps(s2, _mm_load_ps(x + i + 8));
    s3 = _mm_add_ps(s3, _mm_load_ps(x + i + 12));
  }
  float lanes[4];
  _mm_storeu_ps(lanes, _mm_add_ps(_mm_add_ps(s0, s1), _mm_add_ps(s2, s3)));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

void stream_row_sse2(const float* x, float* out, std::size_t n) {
  const __m128 half = _mm_set1_ps(0.5f);
  for (std::size_t i = 0; i + 4 <= n; i += 4) _mm_stream_ps(out + i, _mm_mul_ps(_mm_load_ps(x + i), half));
  _mm_sfence();
}

// The same with 64-byte vectors (one load or store per cache line, as the AVX-512 kernels):
// a single thread reads measurably faster this way.
[[gnu::target("avx512f")]] float read_row_avx512(const float* x, std::size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  for (std::size_t i = 0; i + 64 <= n; i += 64) {
    for (std::size_t k = 0; k < 64; k += 16)
      _mm_prefetch(reinterpret_cast<const char*>(x + i + k + kPrefetch), _MM_HINT_T0);
    s0 = _mm512_add_ps(s0, _mm512_load_ps(x + i));
    s1 = _mm512_add_ps(s1, _mm512_load_ps(x + i + 16));
    s2 = _mm512_add_ps(s2, _mm512_load_ps(x + i + 32));
    s3 = _mm512_add_ps(s3, _mm512_load_ps(x + i + 48));
  }
  float lanes[16];
  _mm512_storeu_ps(lanes, _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
  float sum = 0;
  for (float lane : lanes) sum += lane;
  return sum;
}

[[gnu::target("avx512f")]] void stream_row_avx512(const float* x, float* out, std::size_t n) {
  const __m512 half = _mm512_set1_ps(0.5f);
  for (std::size_t i = 0; i + 16 <= n; i += 16)
    _mm512_stream_ps(out + i, _mm512_mul_ps(_mm512_load_ps(x + i), half));
  _mm_sfence();
}

const bool kAvx512 = __builtin_cpu_supports("avx512f");

float read_row(const float* x, std::size_t n) {
  return kAvx512 ? read_row_avx512(x, n) : read_row_sse2(x, n);
}
void read_and_stream(const float* x, float* out, std::size_t n) {
  kAvx512 ? stream_row_avx512(x, out, n) : stream_row_sse2(x, out, n);
}

enum class Kind { read, read_and_stream, copy };

struct Pattern {
  const char* name;
  Kind kind;
  double bytes_per_element;   // read + written
  std::vector<double> rates;  // GB/s
};

float* aligned_row(std::size_t n) {
  auto* row = static_cast<float*>(std::aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64));
  if (!row) {
    std::fprintf(stderr, "bandwidth_probe: cannot allocate %zu floats\n", n);
    std::exit(2);
  }
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = std::size_t{64} << 20;
  int rounds = 7;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if (arg == "--n" && a + 1 < argc) {
      n = std::strtoull(argv[++a], nullptr, 10);
    } else if (arg == "--rounds" && a + 1 < argc) {
      rounds = std::atoi(argv[++a]);
    } else {
      std::fprintf(stderr, "usage: bandwidth_probe [--n N] [--rounds R]\n");
      return 2;
    }
  }
  if (n < 64 || rounds < 1) {
    std::fprintf(stderr, "bandwidth_probe: need n >= 64 and rounds >= 1\n");
    return 2;
  }
  n -= n % 64;
  float* x = aligned_row(n);
  float* out = aligned_row(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 1000) * 1e-3f, out[i] = 0;

  std::vector<Pattern> patterns = {{"read", Kind::read, 4, {}},
                                   {"read + streaming write", Kind::read_and_stream, 8, {}},
                                   {"memcpy", Kind::copy, 8, {}}};
  float sink = 0;
  for (int r = 0; r < rounds; ++r) {
    for (Pattern& p : patterns) {
      const auto start = Clock::now();
      switch (p.kind) {
        case Kind::read: sink += read_row(x, n); break;
        case Kind::read_and_stream: read_and_stream(x, out, n); break;
        case Kind::copy: std::memcpy(out, x, n * sizeof(float)); break;
      }
      p.rates.push_back(p.bytes_per_element * static_cast<double>(n) / seconds_since(start) / 1e9);
    }
  }
  std::printf("# one thread, rows of %zu floats (%.0f MB), %d rounds, %s vectors, prefetch %zu "
              "floats ahead when reading; GB/s = bytes read + written per second\n",
              n, n * 4 / 1e6, rounds, kAvx512 ? "AVX-512" : "SSE2", kPrefetch);
  std::printf("# pattern\tbest_GB/s\tmedian_GB/s\n");
  for (Pattern& p : patterns) {
    std::sort(p.rates.begin(), p.rates.end());
    std::printf("%s\t%.2f\t%.2f\n", p.name, p.rates.back(), p.rates[p.rates.size() / 2]);
  }
  std::fprintf(stderr, "(checksum %g)\n", static_cast<double>(sink + out[n / 2]));
  std::free(x);
  std::free(out);
  return 0;
}
