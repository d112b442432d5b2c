// SIMD softmax-family kernels (Google Highway, run-time dispatch): the entry points that the
// registry and the analyses use. The per-target code is in simd_softmax.cpp (kernels) and
// simd_exp.cpp (the vector exp over an array); Highway compiles it for every x86 target
// (AVX3 = AVX-512, AVX2, SSE4, SSSE3, and the portable one-lane SCALAR fallback, which
// Highway 1.0.3 builds for GCC 12 instead of EMU128) and picks the best one the CPU supports
// on the first call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kernels/kernel.hpp"

namespace softcheck::kernels {

enum class SimdAlgorithm { two_pass, three_pass_recompute, three_pass_reload, online };

// Kernel-name pieces: vectors per tile (unroll) and independent accumulators per reduction.
inline constexpr int kSimdUnroll = 4;
inline constexpr int kSimdAccumulators = 4;

std::string_view simd_algorithm_name(SimdAlgorithm algorithm);  // "two-pass", ...

// The Highway target that dynamic dispatch selects on this CPU, lower case ("avx3", "avx2",
// "sse4", "ssse3", "scalar"); the same target runs every call below.
std::string simd_target_name();

// Makes dynamic dispatch use the named target ("sse4", "scalar", ...) from now on, as if the
// CPU supported no better one; "" restores the CPU's choice. False if the target is not
// compiled in or not supported here. For tests and sweeps of every target; kernel names keep
// the target chosen at registration.
bool simd_force_target(std::string_view name);

// Output rows of f32 at least this many bytes long are written with streaming
// (non-temporal) stores (simd_softmax.cpp: StreamPass); the outputs are bit-identical either
// way. simd_stream_bytes is the threshold now; simd_set_stream_bytes changes it for later
// calls and returns the previous one: tests lower it to run the streaming path on short rows
// (or raise it to SIZE_MAX to turn streaming off), softmax_throughput --stream-bytes
// measures other thresholds.
inline constexpr std::size_t kSimdStreamBytes = std::size_t{2} << 20;  // 2 MiB
std::size_t simd_stream_bytes();
std::size_t simd_set_stream_bytes(std::size_t bytes);
// The number of rows written with streaming stores so far (all threads), for tests.
std::size_t simd_streamed_rows();

// Rows of at most this many elements (8 vectors of the dispatch target's f32 lanes) stay in
// registers: one load, one exp and one store per element, whatever the algorithm and op, and
// never streamed (simd_softmax.cpp: RowsInRegisters, ShortRowInRegisters, CrossEntropyShortRow).
std::size_t simd_short_row_length();

// Runs one SIMD kernel (op: softmax, log_softmax or cross_entropy; format: f32, bf16 or
// f16) over a call, with the conventions of kernel.hpp.
void run_simd(SimdAlgorithm algorithm, Op op, Format format, const KernelCall& call);

// out[i] = the kernels' vector exp of in[i] (simd_exp-inl.h), for the exhaustive error sweep.
void simd_exp(const float* in, float* out, std::size_t n);
// out[i] = the vector log1p of in[i] that log_softmax rows in registers use (Highway's), for
// the same sweep.
void simd_log1p(const float* in, float* out, std::size_t n);

// Registers builtin/<op>/<format>/simd-<algorithm>-<isa>-u<unroll>a<accumulators> for the
// three ops, three formats and four algorithms. Idempotent.
void register_simd_kernels(Registry& registry);

}  // namespace softcheck::kernels
