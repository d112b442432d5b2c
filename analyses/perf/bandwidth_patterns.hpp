// The memory access patterns of softcheck's SIMD f32 softmax kernels without their arithmetic:
// loops that read and write a row in the same order, with the same vector width, the same
// tiles of 4 vectors, the same software prefetch and the same kind of store as the kernels'
// passes (src/kernels/simd/simd_softmax.cpp), so that the time of a pattern is the ceiling
// the kernel could reach if its exps cost nothing. Shared by bandwidth_probe (the patterns
// alone) and out_of_cache (each algorithm's pattern beside its kernel). x86-64 only (SSE2
// intrinsics; AVX2 and AVX-512 loops compiled with target attributes and chosen at run time).
//
// The passes of an f32 softmax row of n >= 2 MiB / 4 elements, from SoftmaxRow and RunRows:
//   two-pass, online:     read x (max and sum); read x + stream out (the outputs).
//   three-pass-recompute: read x (max); read x (sum); read x + stream out (the outputs).
//   three-pass-reload:    read x (max); read x + store out (the exps, ordinary stores);
//                         read out + store out in place (scale; reload never streams).
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace softcheck::bandwidth {

// Software prefetch distance, in floats: the SIMD kernels' (simd_softmax.cpp, kPrefetch).
inline constexpr std::size_t kPrefetch = 2048;
// Vectors per tile: the kernels' kSimdUnroll (src/kernels/simd/simd.hpp).
inline constexpr std::size_t kTile = 4;
// Rows must be whole tiles of the widest vectors (4 AVX-512 vectors = 64 floats = 4 cache
// lines), so that no loop below needs a tail.
inline constexpr std::size_t kRowMultiple = 64;
// The factor of the writing passes (any finite value: only the traffic matters).
inline constexpr float kScale = 0.5f;

// The vector width of the loops: AVX-512 (the kernels' avx3 target), AVX2 (avx2) or SSE2.
enum class Isa { sse2, avx2, avx512 };

inline const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512:
      return "avx512";
    case Isa::avx2:
      return "avx2";
    case Isa::sse2:
      break;
  }
  return "sse2";
}

inline bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::avx512:
      return __builtin_cpu_supports("avx512f");
    case Isa::avx2:
      return __builtin_cpu_supports("avx2");
    case Isa::sse2:
      break;
  }
  return true;  // part of x86-64
}

inline Isa widest_isa() {
  return isa_supported(Isa::avx512) ? Isa::avx512
         : isa_supported(Isa::avx2) ? Isa::avx2
                                    : Isa::sse2;
}

// "avx512", "avx2" or "sse2"; false for anything else.
inline bool parse_isa(std::string_view text, Isa* isa) {
  for (Isa candidate : {Isa::avx512, Isa::avx2, Isa::sse2}) {
    if (text == isa_name(candidate)) {
      *isa = candidate;
      return true;
    }
  }
  return false;
}

// The loops' width for a Highway target of the kernels (simd_target_name(): "avx3",
// "avx3_dl", ..., "avx2", "sse4", ...): the same vector width as the kernel's loads.
inline Isa isa_of_target(std::string_view target) {
  if (target.substr(0, 4) == "avx3") return Isa::avx512;
  if (target == "avx2") return Isa::avx2;
  return Isa::sse2;
}

// One pass over a row.
enum class Pass {
  read,         // sum of the row (four accumulators): the max and sum passes
  read_stream,  // to = kScale * from with streaming stores: the final pass of two-pass,
                // three-pass-recompute and online
  read_write,   // to = kScale * from with ordinary stores: reload's passes 2 and 3 (in place)
  copy,         // glibc memcpy, the yardstick of reports/perf.md (no kernel pass)
};

// The pass loops, one template per vector width: tiles of kTile vectors, each vector's line
// prefetched kPrefetch floats ahead when kAhead (as every kernel pass does). Returns the sum
// for Pass::read (so that the reads cannot be dropped), else 0. n: a multiple of kTile vectors.
template <Pass kPass, bool kAhead>
float pass_sse2(const float* from, float* to, std::size_t n) {
  constexpr std::size_t kLanes = 4;
  const __m128 scale = _mm_set1_ps(kScale);
  __m128 sum[kTile] = {_mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps()};
  for (std::size_t i = 0; i + kTile * kLanes <= n; i += kTile * kLanes) {
    if constexpr (kAhead) {
      for (std::size_t k = 0; k < kTile; ++k)
        _mm_prefetch(reinterpret_cast<const char*>(from + i + kPrefetch + k * kLanes), _MM_HINT_T0);
    }
#pragma GCC unroll 4
    for (std::size_t k = 0; k < kTile; ++k) {
      const __m128 v = _mm_load_ps(from + i + k * kLanes);
      if constexpr (kPass == Pass::read) sum[k] = _mm_add_ps(sum[k], v);
      if constexpr (kPass == Pass::read_stream)
        _mm_stream_ps(to + i + k * kLanes, _mm_mul_ps(v, scale));
      if constexpr (kPass == Pass::read_write)
        _mm_store_ps(to + i + k * kLanes, _mm_mul_ps(v, scale));
    }
  }
  if constexpr (kPass == Pass::read_stream) _mm_sfence();
  float lanes[kLanes];
  _mm_storeu_ps(lanes, _mm_add_ps(_mm_add_ps(sum[0], sum[1]), _mm_add_ps(sum[2], sum[3])));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

template <Pass kPass, bool kAhead>
[[gnu::target("avx2")]] float pass_avx2(const float* from, float* to, std::size_t n) {
  constexpr std::size_t kLanes = 8;
  const __m256 scale = _mm256_set1_ps(kScale);
  __m256 sum[kTile] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                       _mm256_setzero_ps()};
  for (std::size_t i = 0; i + kTile * kLanes <= n; i += kTile * kLanes) {
    if constexpr (kAhead) {
      for (std::size_t k = 0; k < kTile; ++k)
        _mm_prefetch(reinterpret_cast<const char*>(from + i + kPrefetch + k * kLanes), _MM_HINT_T0);
    }
#pragma GCC unroll 4
    for (std::size_t k = 0; k < kTile; ++k) {
      const __m256 v = _mm256_load_ps(from + i + k * kLanes);
      if constexpr (kPass == Pass::read) sum[k] = _mm256_add_ps(sum[k], v);
      if constexpr (kPass == Pass::read_stream)
        _mm256_stream_ps(to + i + k * kLanes, _mm256_mul_ps(v, scale));
      if constexpr (kPass == Pass::read_write)
        _mm256_store_ps(to + i + k * kLanes, _mm256_mul_ps(v, scale));
    }
  }
  if constexpr (kPass == Pass::read_stream) _mm_sfence();
  float lanes[kLanes];
  _mm256_storeu_ps(lanes,
                   _mm256_add_ps(_mm256_add_ps(sum[0], sum[1]), _mm256_add_ps(sum[2], sum[3])));
  float total = 0;
  for (float lane : lanes) total += lane;
  return total;
}

// 64-byte vectors: one load or store per cache line, as the avx3 kernels.
template <Pass kPass, bool kAhead>
[[gnu::target("avx512f")]] float pass_avx512(const float* from, float* to, std::size_t n) {
  constexpr std::size_t kLanes = 16;
  const __m512 scale = _mm512_set1_ps(kScale);
  __m512 sum[kTile] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                       _mm512_setzero_ps()};
  for (std::size_t i = 0; i + kTile * kLanes <= n; i += kTile * kLanes) {
    if constexpr (kAhead) {
      for (std::size_t k = 0; k < kTile; ++k)
        _mm_prefetch(reinterpret_cast<const char*>(from + i + kPrefetch + k * kLanes), _MM_HINT_T0);
    }
#pragma GCC unroll 4
    for (std::size_t k = 0; k < kTile; ++k) {
      const __m512 v = _mm512_load_ps(from + i + k * kLanes);
      if constexpr (kPass == Pass::read) sum[k] = _mm512_add_ps(sum[k], v);
      if constexpr (kPass == Pass::read_stream)
        _mm512_stream_ps(to + i + k * kLanes, _mm512_mul_ps(v, scale));
      if constexpr (kPass == Pass::read_write)
        _mm512_store_ps(to + i + k * kLanes, _mm512_mul_ps(v, scale));
    }
  }
  if constexpr (kPass == Pass::read_stream) _mm_sfence();
  // Through memory: GCC 12 warns (-Wuninitialized) inside _mm512_reduce_add_ps.
  float lanes[kLanes];
  _mm512_storeu_ps(lanes,
                   _mm512_add_ps(_mm512_add_ps(sum[0], sum[1]), _mm512_add_ps(sum[2], sum[3])));
  float total = 0;
  for (float lane : lanes) total += lane;
  return total;
}

template <Pass kPass, bool kAhead>
float run_pass(Isa isa, const float* from, float* to, std::size_t n) {
  switch (isa) {
    case Isa::avx512:
      return pass_avx512<kPass, kAhead>(from, to, n);
    case Isa::avx2:
      return pass_avx2<kPass, kAhead>(from, to, n);
    case Isa::sse2:
      break;
  }
  return pass_sse2<kPass, kAhead>(from, to, n);
}

template <Pass kPass>
float run_pass(Isa isa, bool ahead, const float* from, float* to, std::size_t n) {
  return ahead ? run_pass<kPass, true>(isa, from, to, n) : run_pass<kPass, false>(isa, from, to, n);
}

// One step of a pattern: a pass from one of the two rows (the input x, the output out) to
// one of them (ignored by Pass::read).
enum class Row { x, out };
struct Step {
  Pass pass;
  Row from;
  Row to;
  bool ahead;  // prefetch kPrefetch floats ahead (every kernel pass does)
};

// A sequence of passes over one row, timed as one: one softmax call's traffic.
struct Pattern {
  std::string name;
  std::vector<Step> steps;
};

// Bytes a step reads plus bytes it writes, per element (the program's loads and stores; the
// read-for-ownership of ordinary stores and the write-back are the hardware's, not counted).
inline double moved_bytes_per_element(const Step& step) {
  return step.pass == Pass::read ? sizeof(float) : 2 * sizeof(float);
}

inline double moved_bytes_per_element(const Pattern& pattern) {
  double bytes = 0;
  for (const Step& step : pattern.steps) bytes += moved_bytes_per_element(step);
  return bytes;
}

// Runs the pattern's passes over rows x and out of n floats (64-byte aligned, n a multiple
// of kRowMultiple); returns the read passes' sums (a checksum that keeps the reads).
inline float run_pattern(const Pattern& pattern, Isa isa, float* x, float* out, std::size_t n) {
  float checksum = 0;
  for (const Step& step : pattern.steps) {
    const float* from = step.from == Row::x ? x : out;
    float* to = step.to == Row::x ? x : out;
    switch (step.pass) {
      case Pass::read:
        checksum += run_pass<Pass::read>(isa, step.ahead, from, to, n);
        break;
      case Pass::read_stream:
        run_pass<Pass::read_stream>(isa, step.ahead, from, to, n);
        break;
      case Pass::read_write:
        run_pass<Pass::read_write>(isa, step.ahead, from, to, n);
        break;
      case Pass::copy:
        std::memcpy(to, from, n * sizeof(float));
        break;
    }
  }
  return checksum;
}

// The algorithms whose patterns algorithm_pattern knows: simd_algorithm_name's spelling.
inline const std::vector<std::string>& softmax_algorithms() {
  static const std::vector<std::string> names = {"two-pass", "three-pass-recompute",
                                                 "three-pass-reload", "online"};
  return names;
}

// The passes of one f32 softmax call of a SIMD algorithm on a row long enough to stream
// (n * 4 >= simd_stream_bytes(), simd.hpp), as in the comment at the top; the name lists them.
// An empty pattern for an unknown algorithm.
inline Pattern algorithm_pattern(std::string_view algorithm) {
  constexpr Step kReadX{Pass::read, Row::x, Row::x, true};
  constexpr Step kStreamXToOut{Pass::read_stream, Row::x, Row::out, true};
  constexpr Step kWriteXToOut{Pass::read_write, Row::x, Row::out, true};
  constexpr Step kWriteOutInPlace{Pass::read_write, Row::out, Row::out, true};
  if (algorithm == "two-pass" || algorithm == "online")
    return {"read; read + streaming write", {kReadX, kStreamXToOut}};
  if (algorithm == "three-pass-recompute")
    return {"read; read; read + streaming write", {kReadX, kReadX, kStreamXToOut}};
  if (algorithm == "three-pass-reload")
    return {"read; read + write; read + write in place", {kReadX, kWriteXToOut, kWriteOutInPlace}};
  return {};
}

}  // namespace softcheck::bandwidth
