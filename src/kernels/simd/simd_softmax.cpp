// SIMD softmax, log_softmax and fused cross-entropy (loss + gradient) over f32, bf16 and f16
// rows (f32 arithmetic), compiled once per Highway target by foreach_target.h and chosen at
// run time by HWY_DYNAMIC_DISPATCH (simd.hpp). Four algorithms, each in the "1 + s" form of
// row.hpp, with s = below + (ties - 1): below = sum of exp(x_j - m) over x_j < m, ties = the
// number of x_j equal to m, so log1p(s), the loss and the target's gradient never cancel.
//   three-pass-recompute: max (kAccumulators max vectors), then the sums, then
//                 exp(x_j - m) recomputed and scaled.
//   three-pass-reload: as recompute, but pass 2 stores exp(x_j - m) (x_j - m for log_softmax)
//                 into the output row (f32) or an f32 scratch row (bf16, f16), and pass 3
//                 scales (shifts) the stored values.
//   two-pass:     pass 1 keeps a running maximum per lane and the lane sums relative to it.
//                 It reads a tile of kUnroll vectors, takes their maximum, rescales the sums
//                 by exp(old - new) only when some lane's maximum grew (one exp per lane and
//                 tile at most, rare after the first tiles of a random row), then adds the
//                 tile's exps into kAccumulators sums. Pass 2 recomputes and scales.
//   online:       Milakov & Gimelshein's recurrence per vector, kAccumulators independent
//                 (maximum, sum) states: every step computes exp(x - new max) and the rescale
//                 exp(old max - new max), two exps per element, no branch. Pass 2 as above.
// The per-lane states are combined in double at the end of pass 1 (a lane below the row's
// maximum is rescaled by exp(m_lane - m)).
//
// Short rows (at most kShortVectors vectors) stay in registers whatever the algorithm. Rows of
// 1, 2, 4, 8 or 16 (AVX2) whole vectors, or of 1, 2, 4 or 8 elements stored back to back, run as one loop
// over the call (RowsInRegisters): the row's maximum and sums are reduced inside the vector
// (GroupReduce, several rows per vector for the shortest), f32 sums, log1p as Highway's vector
// Log1p (proofs/log1p-simd.md), cross-entropy's loss and target gradient per row from the
// group's lanes; any other short row takes the same arithmetic one row at a time
// (ShortRowInRegisters, CrossEntropyShortRow), so a row gets the same bits either way.
// softmax takes a fast path first (SoftmaxRow below; every algorithm): only m and the plain
// sum of exp(x_j - m), no per-element special-value tests (a NaN sum or a non-finite m sends
// the row to the general path). Every tile loop prefetches (kPrefetch).
// Long f32 rows (>= simd_stream_bytes(), default kSimdStreamBytes = 2 MiB, simd.hpp) write
// their outputs with streaming stores in the final pass of two-pass, three-pass-recompute
// and online, for every op but short rows (WritePass, StreamPass; rows of at most
// kShortVectors vectors stay in registers and never stream): the output is not read back soon, and
// streaming saves the read-for-ownership of every output line (three-pass-reload never
// streams: RunRows). The kernel names stay: the outputs are bit-identical either way (the
// same lane arithmetic, only the store instruction differs; tests/unit/kernels_simd.cpp).
// Accuracy (f32): the vector exp is < 0.91 ulp (simd_exp-inl.h). softmax rounds x_j - m
// once (|x_j - m| u relative after exp: the contract's ulp_per_gap term, also for the lane
// rescales, whose gaps are bounded by the elements'). log_softmax and cross-entropy recover
// that rounding in every exp(x_j - m) and rescale (ExpDiff), because their outputs at the
// maximum are about -s (x_j - m itself is rounded once in log_softmax outputs); the sums
// are recursive per lane (<= (n - 1) u: ulp_per_element); then 1 + s, the reciprocal and the
// product. The default contract (max_ulp 4 + gap + element terms) applies, no SIMD rule.
// Measured (AVX3), gate default suite against MPFR (reports/gate.md at 5b9e860): f32 softmax
// 65 ulps where the gap is large (allowed by the gap term; 29 units of 2^-149 for subnormal
// outputs), log_softmax <= 7.66 (within its element and gap terms), cross-entropy <= 3.89;
// every target, tests/unit/kernels_simd.cpp (every tile
// length up to 4097) against long double: softmax 66 (gap term), log_softmax 3.2,
// cross-entropy 9.1 (n = 4097, within the per-element term). bf16/f16: one rounding of the
// f32 result; the log-type outputs (x_j - m) - L and (m - x_y) + L end in a sum rounded to
// odd (SumForStore, element.hpp's store_sum), so that narrowing rounds the exact sum of the
// f32 terms: a plain f32 sum lands on bf16 midpoints that the exact value lies beside.
// Special values as row.hpp: NaN anywhere, +inf anywhere, or every logit -inf gives the
// special outputs (detected from pass 1); -inf logits are masked (exp gives +0, x - m = -inf).
// Empty rows and out-of-range targets are handled by run_rows.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/simd/simd_softmax.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/cache_control.h"
#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"
#include "kernels/simd/simd_exp-inl.h"
#include "kernels/simd/simd_format-inl.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "kernels/row.hpp"
#include "kernels/simd/simd.hpp"

namespace softcheck::kernels::simd {
void count_streamed_row();  // simd_streamed_rows (simd.hpp) counts one more row
}  // namespace softcheck::kernels::simd

HWY_BEFORE_NAMESPACE();
namespace softcheck::kernels::simd::HWY_NAMESPACE {

constexpr std::size_t kU = kSimdUnroll;
static_assert(kSimdUnroll == kSimdAccumulators, "one accumulator per vector of a tile");
constexpr float kInfinity = std::numeric_limits<float>::infinity();
// Software prefetch distance in elements: every tile prefetches the lines kPrefetch elements
// ahead. Measured (analyses/perf/README.md): 16M rows, when they stay in this machine's L3,
// 2x for two-pass (7.5 -> 12.6-16.5 GB/s); 1M +5 %; 64K unchanged. Distances 0, 512, 2048,
// 8192, 32768 measured again with streaming stores: 2048 is best at 1M, 16M and 64M (64M, from
// DRAM: two-pass 6.6, 8.0, 9.4, 8.5, 8.6 GB/s).
constexpr std::size_t kPrefetch = 2048;

// A row relative to its maximum m: below = sum of exp(x_j - m) over x_j < m, ties = number
// of x_j == m (so 1 + s = ties + below).
struct RowStats {
  float m = -kInfinity;
  double below = 0;
  double ties = 0;
  bool has_nan = false;
};

// Row values as f32 vectors: Full(d, i) reads Lanes(d) elements at i, Tail(d, i, count)
// fewer, the other lanes -inf (masked: they add nothing to any sum).
template <class E>
struct RowSource {
  const typename E::storage* x;
  VF Full(DF d, std::size_t i) const { return VectorIO<E>::Load(d, x + i); }
  VF Tail(DF d, std::size_t i, std::size_t count) const {
    return LoadTail<E>(d, x + i, count, -kInfinity);
  }
  void Prefetch(std::size_t i) const { hwy::Prefetch(x + i); }
};

// Visits [0, n) as tiles of kU vectors tile(i), then single vectors one(i), then the last
// partial vector tail(i, count).
template <class Tile, class One, class Tail>
HWY_INLINE void Walk(std::size_t n, std::size_t lanes, Tile&& tile, One&& one, Tail&& tail) {
  std::size_t i = 0;
  for (; i + kU * lanes <= n; i += kU * lanes) tile(i);
  for (; i + lanes <= n; i += lanes) one(i);
  if (i < n) tail(i, n - i);
}

// Calls step(k, x, i, count) on the k-th vector of every tile, and with k = 0 on the rest.
template <class Src, class Step>
HWY_INLINE void WalkSlots(DF d, const Src& src, std::size_t n, Step&& step) {
  const std::size_t lanes = hn::Lanes(d);
  Walk(
      n, lanes,
      [&](std::size_t i) {
        for (std::size_t k = 0; k < kU; ++k) src.Prefetch(i + kPrefetch + k * lanes);
#pragma GCC unroll 4
        for (std::size_t k = 0; k < kU; ++k) step(k, src.Full(d, i + k * lanes), i + k * lanes, lanes);
      },
      [&](std::size_t i) { step(0, src.Full(d, i), i, lanes); },
      [&](std::size_t i, std::size_t count) { step(0, src.Tail(d, i, count), i, count); });
}

// Sums the lanes of kU vectors in double: every lane widened exactly, added as a tree in
// double vectors (a few cycles; a sequential sum of the lanes was the largest cost of a short
// row, 64 dependent double additions on AVX-512).
HWY_INLINE double SumLanes(DF d, const VF* v) {
#if HWY_TARGET == HWY_SCALAR
  (void)d;
  double sum = 0;
  for (std::size_t k = 0; k < kU; ++k) sum += hn::GetLane(v[k]);
  return sum;
#else
  const hn::Repartition<double, DF> dd;
  const hn::Half<DF> dh;
  auto total = hn::Zero(dd);
  for (std::size_t k = 0; k < kU; ++k) {
    total = hn::Add(total, hn::PromoteTo(dd, hn::LowerHalf(dh, v[k])));
    total = hn::Add(total, hn::PromoteTo(dd, hn::UpperHalf(dh, v[k])));
  }
  return hn::GetLane(hn::SumOfLanes(dd, total));
#endif
}

// Whether any lane of the NaN flags (all-ones lanes) is set.
HWY_INLINE bool AnySet(DF d, const VF* flags) {
  VF any = flags[0];
  for (std::size_t k = 1; k < kU; ++k) any = hn::Or(any, flags[k]);
  return !hn::AllFalse(d, hn::MaskFromVec(any));
}

// Combines per-lane states (maximum, below, ties) of kU vectors into the row's RowStats: a
// lane below the row's maximum m joins `below` rescaled by exp(m_lane - m) (ExpDiff; an
// empty lane, m_lane = -inf, gives 0), its ties included.
HWY_INLINE RowStats CombineLanes(DF d, const VF* max, const VF* below, const VF* ties,
                                 bool has_nan) {
  VF top = max[0];
  for (std::size_t k = 1; k < kU; ++k) top = hn::Max(top, max[k]);
  RowStats stats;
  stats.has_nan = has_nan;
  stats.m = hn::GetLane(hn::MaxOfLanes(d, top));
  if (has_nan || !std::isfinite(stats.m)) return stats;
  const VF m = hn::Set(d, stats.m);
  VF rescaled[kU], kept_ties[kU];
  for (std::size_t k = 0; k < kU; ++k) {
    const auto at_max = hn::Eq(max[k], m);
    const VF joined = hn::Mul(hn::Add(below[k], ties[k]), ExpDiff(d, max[k], m));
    rescaled[k] = hn::IfThenElse(at_max, below[k], joined);
    kept_ties[k] = hn::IfThenElseZero(at_max, ties[k]);
  }
  stats.below = SumLanes(d, rescaled);
  stats.ties = SumLanes(d, kept_ties);
  return stats;
}

// Three-pass, pass 1: the maximum and whether there is a NaN.
template <class Src>
RowStats MaxPass(DF d, const Src& src, std::size_t n) {
  VF max[kU], nan[kU];
  for (std::size_t k = 0; k < kU; ++k) max[k] = hn::Set(d, -kInfinity), nan[k] = hn::Zero(d);
  WalkSlots(d, src, n, [&](std::size_t k, VF x, std::size_t, std::size_t) {
    max[k] = hn::Max(max[k], x);
    nan[k] = hn::Or(nan[k], hn::VecFromMask(d, hn::IsNaN(x)));
  });
  RowStats stats;
  for (std::size_t k = 1; k < kU; ++k) max[0] = hn::Max(max[0], max[k]);
  stats.m = hn::GetLane(hn::MaxOfLanes(d, max[0]));
  stats.has_nan = AnySet(d, nan);
  return stats;
}

// Three-pass, pass 2: below and ties given m (kSplit; for softmax, which needs only 1 + s,
// below is the whole sum and ties 0, and the plain VecExp suffices: its contract has the gap
// term). keep(diff, e, i, count) sees every vector (reload).
template <bool kSplit, class Src, class Keep>
void SumPass(DF d, const Src& src, std::size_t n, RowStats& stats, Keep&& keep) {
  const VF m = hn::Set(d, stats.m);
  const VF one = hn::Set(d, 1.0f);
  VF below[kU], ties[kU];
  for (std::size_t k = 0; k < kU; ++k) below[k] = hn::Zero(d), ties[k] = hn::Zero(d);
  WalkSlots(d, src, n, [&](std::size_t k, VF x, std::size_t i, std::size_t count) {
    const VF diff = hn::Sub(x, m);
    const VF e = ExpOf<kSplit>(d, x, m);
    keep(diff, e, i, count);
    if constexpr (kSplit) {
      below[k] = hn::Add(below[k], hn::IfThenElseZero(hn::Lt(x, m), e));
      ties[k] = hn::Add(ties[k], hn::IfThenElseZero(hn::Eq(x, m), one));
    } else {
      below[k] = hn::Add(below[k], e);
    }
  });
  stats.below = SumLanes(d, below);
  stats.ties = SumLanes(d, ties);
}

// Two-pass, pass 1: running maximum per lane, rescaled only when a tile raises it.
template <bool kAccurate, class Src>
RowStats TwoPassStats(DF d, const Src& src, std::size_t n) {
  const VF one = hn::Set(d, 1.0f);
  VF max = hn::Set(d, -kInfinity);
  VF below[kU], ties[kU], nan[kU];
  for (std::size_t k = 0; k < kU; ++k) below[k] = ties[k] = nan[k] = hn::Zero(d);
  const auto raise = [&](VF new_max) {
    const auto grew = hn::Gt(new_max, max);
    if (!hn::AllFalse(d, grew)) {  // the old ties join the sum; everything is rescaled
      const VF factor = hn::IfThenElse(grew, ExpOf<kAccurate>(d, max, new_max), one);
      for (std::size_t k = 0; k < kU; ++k) {
        below[k] = hn::Mul(hn::Add(below[k], hn::IfThenElseZero(grew, ties[k])), factor);
        ties[k] = hn::IfThenZeroElse(grew, ties[k]);
      }
    }
    max = new_max;
  };
  const auto add = [&](std::size_t k, VF x) {
    const VF e = ExpOf<kAccurate>(d, x, max);
    below[k] = hn::Add(below[k], hn::IfThenElseZero(hn::Lt(x, max), e));
    ties[k] = hn::Add(ties[k], hn::IfThenElseZero(hn::Eq(x, max), one));
    nan[k] = hn::Or(nan[k], hn::VecFromMask(d, hn::IsNaN(x)));
  };
  const std::size_t lanes = hn::Lanes(d);
  Walk(
      n, lanes,
      [&](std::size_t i) {
        VF x[kU];
        for (std::size_t k = 0; k < kU; ++k) x[k] = src.Full(d, i + k * lanes);
        raise(hn::Max(max, hn::Max(hn::Max(x[0], x[1]), hn::Max(x[2], x[3]))));
        for (std::size_t k = 0; k < kU; ++k) add(k, x[k]);
      },
      [&](std::size_t i) {
        const VF x = src.Full(d, i);
        raise(hn::Max(max, x));
        add(0, x);
      },
      [&](std::size_t i, std::size_t count) {
        const VF x = src.Tail(d, i, count);
        raise(hn::Max(max, x));
        add(0, x);
      });
  const VF maxes[kU] = {max, max, max, max};
  return CombineLanes(d, maxes, below, ties, AnySet(d, nan));
}

// Online, pass 1: the recurrence per vector, kU independent states.
template <bool kAccurate, class Src>
RowStats OnlineStats(DF d, const Src& src, std::size_t n) {
  const VF one = hn::Set(d, 1.0f);
  VF max[kU], below[kU], ties[kU], nan[kU];
  for (std::size_t k = 0; k < kU; ++k) {
    max[k] = hn::Set(d, -kInfinity);
    below[k] = ties[k] = nan[k] = hn::Zero(d);
  }
  WalkSlots(d, src, n, [&](std::size_t k, VF x, std::size_t, std::size_t) {
    const VF new_max = hn::Max(max[k], x);
    const auto grew = hn::Gt(new_max, max[k]);
    const VF factor = hn::IfThenElse(grew, ExpOf<kAccurate>(d, max[k], new_max), one);
    const VF e = hn::IfThenElseZero(hn::Lt(x, new_max), ExpOf<kAccurate>(d, x, new_max));
    below[k] = hn::MulAdd(hn::Add(below[k], hn::IfThenElseZero(grew, ties[k])), factor, e);
    ties[k] = hn::Add(hn::IfThenZeroElse(grew, ties[k]), hn::IfThenElseZero(hn::Eq(x, new_max), one));
    max[k] = new_max;
    nan[k] = hn::Or(nan[k], hn::VecFromMask(d, hn::IsNaN(x)));
  });
  return CombineLanes(d, max, below, ties, AnySet(d, nan));
}

// out = f(source vector) for f32 rows with streaming stores: a head up to the first
// vector-aligned output, aligned Stream()s, and the tail, then a fence (FlushStream) so that
// later ordinary stores (the cross-entropy target's gradient) land after the streamed ones.
template <class Src, class F>
void StreamPass(DF d, float* out, const Src& src, std::size_t n, F&& f) {
  const std::size_t lanes = hn::Lanes(d);
  const std::size_t align = lanes * sizeof(float);
  const std::size_t misalign = reinterpret_cast<std::uintptr_t>(out) % align;
  std::size_t i = misalign == 0 ? 0 : std::min(n, (align - misalign) / sizeof(float));
  if (i > 0) StoreTail<F32>(d, f(src.Tail(d, 0, i)), out, i);
  for (; i + kU * lanes <= n; i += kU * lanes) {
    for (std::size_t k = 0; k < kU; ++k) src.Prefetch(i + kPrefetch + k * lanes);
#pragma GCC unroll 4
    for (std::size_t k = 0; k < kU; ++k)
      hn::Stream(f(src.Full(d, i + k * lanes)), d, out + i + k * lanes);
  }
  for (; i + lanes <= n; i += lanes) hn::Stream(f(src.Full(d, i)), d, out + i);
  if (i < n) StoreTail<F32>(d, f(src.Tail(d, i, n - i)), out + i, n - i);
  hwy::FlushStream();
  count_streamed_row();
}

// out = f(source vector), in the row's storage format; with streaming stores (StreamPass)
// when `stream` (set for long f32 rows only) and the output is float-aligned.
template <class E, class Src, class F>
void WritePass(DF d, const Row<E>& row, const Src& src, bool stream, F&& f) {
  if constexpr (std::is_same_v<E, F32>) {
    if (stream && reinterpret_cast<std::uintptr_t>(row.out) % sizeof(float) == 0)
      return StreamPass(d, row.out, src, row.n, f);
  }
  WalkSlots(d, src, row.n, [&](std::size_t, VF v, std::size_t i, std::size_t count) {
    if (count == hn::Lanes(d)) {
      VectorIO<E>::Store(d, f(v), row.out + i);
    } else {
      StoreTail<E>(d, f(v), row.out + i, count);
    }
  });
}

// The f32 reload buffer as a source.
struct BufferSource {
  const float* p;
  VF Full(DF d, std::size_t i) const { return hn::LoadU(d, p + i); }
  VF Tail(DF d, std::size_t i, std::size_t count) const {
    return LoadTail<F32>(d, p + i, count, -kInfinity);
  }
  void Prefetch(std::size_t i) const { hwy::Prefetch(p + i); }
};

// Pass 3 (pass 2 of two-pass and online): the outputs from the row's statistics. buffer:
// the reload buffer (exps, or x - m for log_softmax), or null to recompute. stream: see
// WritePass.
// Cross-entropy's target, after the gradient row: loss (m - x_y) + log1p(s), gradient
// -(sum over j != y) / (1 + s), summed directly (row.hpp); e_y is the same vector exp that
// `below` holds.
template <class E>
void FinishCrossEntropy(DF d, const Row<E>& row, const RowStats& stats) {
  const float one_plus_s = static_cast<float>(stats.ties + stats.below);
  const float s = static_cast<float>((stats.ties - 1) + stats.below);
  const std::size_t y = row.target;
  const float x_y = row.load(y);
  double others = (stats.ties - 1) + stats.below;
  if (x_y != stats.m) {
    const float e_y = hn::GetLane(ExpDiff(d, hn::Set(d, x_y), hn::Set(d, stats.m)));
    others = stats.ties + (stats.below - e_y);
  }
  row.set_result_sum(stats.m - x_y, log_term(row, stats.m, s));
  row.store(y, -(static_cast<float>(others) / one_plus_s) + 0.0f);
}

template <class E>
void WriteOutputs(Op op, const Row<E>& row, const RowStats& stats, const float* buffer,
                  bool stream) {
  const DF d;
  const RowSource<E> src{row.x};
  const VF m = hn::Set(d, stats.m);
  const float one_plus_s = static_cast<float>(stats.ties + stats.below);
  const float s = static_cast<float>((stats.ties - 1) + stats.below);
  if (op == Op::log_softmax) {
    const VF minus_log_sum = hn::Set(d, -log_term(row, stats.m, s));
    if (buffer) {
      return WritePass(d, row, BufferSource{buffer}, stream,
                       [&](VF diff) { return SumForStore<E>(d, diff, minus_log_sum); });
    }
    return WritePass(d, row, src, stream,
                     [&](VF x) { return SumForStore<E>(d, hn::Sub(x, m), minus_log_sum); });
  }
  const VF inverse = hn::Set(d, 1.0f / one_plus_s);
  if (buffer) {
    WritePass(d, row, BufferSource{buffer}, stream, [&](VF e) { return hn::Mul(e, inverse); });
  } else {
    if (op == Op::softmax) {
      WritePass(d, row, src, stream, [&](VF x) { return hn::Mul(VecExp(d, hn::Sub(x, m)), inverse); });
    } else {
      WritePass(d, row, src, stream, [&](VF x) { return hn::Mul(ExpDiff(d, x, m), inverse); });
    }
  }
  if (op == Op::cross_entropy) FinishCrossEntropy(d, row, stats);
}

// ---- softmax fast path -------------------------------------------------------------------
// softmax needs only m and 1 + s = sum of exp(x_j - m) (no below/ties split, no ExpDiff), and
// its special rows are found without a per-element test: Exp propagates NaN and gives +0
// for -inf, so for a finite m every term is in [0, 1], the one at the maximum is exactly 1,
// and the sum is >= 1 unless the row holds a NaN (NaN sum) or +inf (m = +inf, NaN sum).
// Rows that fail that test (and fully masked rows: m = -inf) take the general path above.

// The row's maximum (kU independent maxima; NaN may or may not survive, both are handled).
template <class Src>
float MaxOnly(DF d, const Src& src, std::size_t n) {
  VF max[kU];
  for (std::size_t k = 0; k < kU; ++k) max[k] = hn::Set(d, -kInfinity);
  WalkSlots(d, src, n, [&](std::size_t k, VF x, std::size_t, std::size_t) { max[k] = hn::Max(max[k], x); });
  for (std::size_t k = 1; k < kU; ++k) max[0] = hn::Max(max[0], max[k]);
  return hn::GetLane(hn::MaxOfLanes(d, max[0]));
}

// Sum of exp(x_j - m) given m; keep(e, i, count) sees every vector (reload).
template <class Src, class Keep>
double SumExp(DF d, const Src& src, std::size_t n, float max, Keep&& keep) {
  const VF m = hn::Set(d, max);
  VF sum[kU];
  for (std::size_t k = 0; k < kU; ++k) sum[k] = hn::Zero(d);
  WalkSlots(d, src, n, [&](std::size_t k, VF x, std::size_t i, std::size_t count) {
    const VF e = VecExp(d, hn::Sub(x, m));
    keep(e, i, count);
    sum[k] = hn::Add(sum[k], e);
  });
  return SumLanes(d, sum);
}

// Two-pass, pass 1: a running maximum per lane, starting at -FLT_MAX (so -inf elements give
// exp(-inf) = +0, never -inf - -inf), the sums rescaled only when a tile raises some lane.
template <class Src>
std::pair<float, double> TwoPassSum(DF d, const Src& src, std::size_t n) {
  const VF one = hn::Set(d, 1.0f);
  VF max = hn::Set(d, -std::numeric_limits<float>::max());
  VF sum[kU];
  for (std::size_t k = 0; k < kU; ++k) sum[k] = hn::Zero(d);
  const auto raise = [&](VF new_max) {
    const auto grew = hn::Gt(new_max, max);
    if (HWY_UNLIKELY(!hn::AllFalse(d, grew))) {
      const VF factor = hn::IfThenElse(grew, VecExp(d, hn::Sub(max, new_max)), one);
      for (std::size_t k = 0; k < kU; ++k) sum[k] = hn::Mul(sum[k], factor);
      max = new_max;
    }
  };
  const std::size_t lanes = hn::Lanes(d);
  Walk(
      n, lanes,
      [&](std::size_t i) {
        VF x[kU];
        for (std::size_t k = 0; k < kU; ++k) x[k] = src.Full(d, i + k * lanes);
        for (std::size_t k = 0; k < kU; ++k) src.Prefetch(i + kPrefetch + k * lanes);
        raise(hn::Max(max, hn::Max(hn::Max(x[0], x[1]), hn::Max(x[2], x[3]))));
        for (std::size_t k = 0; k < kU; ++k) sum[k] = hn::Add(sum[k], VecExp(d, hn::Sub(x[k], max)));
      },
      [&](std::size_t i) {
        const VF x = src.Full(d, i);
        raise(hn::Max(max, x));
        sum[0] = hn::Add(sum[0], VecExp(d, hn::Sub(x, max)));
      },
      [&](std::size_t i, std::size_t count) {
        const VF x = src.Tail(d, i, count);
        raise(hn::Max(max, x));
        sum[0] = hn::Add(sum[0], VecExp(d, hn::Sub(x, max)));
      });
  // Lanes below the row's maximum are rescaled by exp(m_lane - m) (m_lane - m may round:
  // the contract's gap term covers it, as for the elements).
  const float m = hn::GetLane(hn::MaxOfLanes(d, max));
  const VF factor = VecExp(d, hn::Sub(max, hn::Set(d, m)));
  for (std::size_t k = 0; k < kU; ++k) sum[k] = hn::Mul(sum[k], factor);
  return {m, SumLanes(d, sum)};
}

// Online, pass 1: kU independent recurrences sum = sum * exp(max - new max) + exp(x - new
// max) (two exps per element, no branch), the maxima starting at -FLT_MAX as in TwoPassSum;
// lanes below the row's maximum rescaled as there.
template <class Src>
std::pair<float, double> OnlineSum(DF d, const Src& src, std::size_t n) {
  VF max[kU], sum[kU];
  for (std::size_t k = 0; k < kU; ++k) {
    max[k] = hn::Set(d, -std::numeric_limits<float>::max());
    sum[k] = hn::Zero(d);
  }
  WalkSlots(d, src, n, [&](std::size_t k, VF x, std::size_t, std::size_t) {
    const VF new_max = hn::Max(max[k], x);
    sum[k] = hn::MulAdd(sum[k], VecExp(d, hn::Sub(max[k], new_max)), VecExp(d, hn::Sub(x, new_max)));
    max[k] = new_max;
  });
  VF top = max[0];
  for (std::size_t k = 1; k < kU; ++k) top = hn::Max(top, max[k]);
  const float m = hn::GetLane(hn::MaxOfLanes(d, top));
  const VF vm = hn::Set(d, m);
  for (std::size_t k = 0; k < kU; ++k) sum[k] = hn::Mul(sum[k], VecExp(d, hn::Sub(max[k], vm)));
  return {m, SumLanes(d, sum)};
}

// Rows of at most kShortVectors vectors stay in registers (RowsInRegisters, ShortRowInRegisters,
// CrossEntropyShortRow): one load, one exp per element, one store, whatever the algorithm (its passes would read the
// same registers). Measured: analyses/perf (short rows are attention's and classifiers' shapes).
// Rows of up to 128 elements, at most 16 vectors: on AVX2 (8 lanes) 16 vectors, which made
// f32 softmax at n = 128 1.8x faster than the general path (5.5 -> 10.2 GB/s, log_softmax
// 4.6 -> 7.7, cross-entropy 4.1 -> 6.6; softmax_throughput --lengths 128, AMD EPYC); on AVX3
// (16 lanes) 8, as before (a 16-vector row there, x and its exps, would fill all 32 registers
// and is not measured).
constexpr std::size_t kShortVectors =
    std::clamp<std::size_t>(128 / MaxLanes(DF()), 8, 16);

// The longest short row on this target (simd_short_row_length()).
std::size_t ShortRowLength() { return kShortVectors * hn::Lanes(DF()); }

// Loads a short row (n <= kShortVectors vectors) into x, the lanes past n -inf; returns the
// number of vectors.
template <class E>
HWY_INLINE std::size_t LoadShortRow(DF d, const Row<E>& row, VF* x) {
  const std::size_t lanes = hn::Lanes(d);
  const RowSource<E> src{row.x};
  const std::size_t full = row.n / lanes, rest = row.n % lanes;
  for (std::size_t k = 0; k < full; ++k) x[k] = src.Full(d, k * lanes);
  if (rest > 0) x[full] = src.Tail(d, full * lanes, rest);
  return full + (rest > 0 ? 1 : 0);
}

// Stores the first n lanes of count vectors v (the last one partial) to the row's outputs.
template <class E>
HWY_INLINE void StoreShortRow(DF d, const Row<E>& row, const VF* v, std::size_t count) {
  const std::size_t lanes = hn::Lanes(d);
  for (std::size_t k = 0; k + 1 < count; ++k) VectorIO<E>::Store(d, v[k], row.out + k * lanes);
  const std::size_t last = row.n - (count - 1) * lanes;
  if (last == lanes) {
    VectorIO<E>::Store(d, v[count - 1], row.out + (count - 1) * lanes);
  } else {
    StoreTail<E>(d, v[count - 1], row.out + (count - 1) * lanes, last);
  }
}

// Lane i of the result is lane i ^ k of v (k a power of two below Lanes(d)): in-lane shuffles
// for k = 1 and 2 and a swap of halves for k = Lanes(d) / 2 (latency 1-3 cycles, a general
// permutation 3-6), a table lookup otherwise.
template <std::size_t k>
HWY_INLINE VF SwapLanes(DF d, VF v) {
#if HWY_TARGET == HWY_SCALAR  // one lane: no k, never called
  (void)d;
  return v;
#else
  if constexpr (k == 1) {
    return hn::Shuffle2301(v);
  } else if constexpr (k == 2) {
    return hn::Shuffle1032(v);
  } else if constexpr (k == MaxLanes(DF()) / 2) {
    return hn::ConcatLowerUpper(d, v, v);
  } else {
    const hn::RebindToSigned<DF> di;
    const auto lane = hn::Iota(di, 0);
    return hn::TableLookupLanes(
        v, hn::IndicesFromVec(d, hn::Xor(lane, hn::Set(di, static_cast<std::int32_t>(k)))));
  }
#endif
}

// Reduces groups of kWidth adjacent lanes (a power of two dividing Lanes(d)) with combine, as a
// butterfly: step k combines lane i with lane i ^ k, so every lane of a group ends with the
// group's result, computed in the same order whatever the group's position (the pairs are
// commutative), and no lane leaves the vector.
template <std::size_t kWidth, std::size_t k = 1, class Combine>
HWY_INLINE VF GroupReduce(DF d, VF v, Combine&& combine) {
  if constexpr (k >= kWidth) {
    return v;
  } else {
    return GroupReduce<kWidth, 2 * k>(d, combine(v, SwapLanes<k>(d, v)), combine);
  }
}

// The softmax of the rows held in `count` vectors x, each row's elements in groups of `width`
// lanes (one row per vector: width = Lanes(d); several rows per vector: width = n, count = 1),
// lanes past a row's end -inf. Every lane of a group gets its row's maximum m and sum of
// exp(x_j - m) without leaving the registers; the vectors are summed first, in order, then the
// lanes as GroupReduce's tree, so a row gives the same bits in either layout (the empty lanes
// add exact zeros). x becomes exp(x_j - m) * (1 / sum), both f32 roundings. False, with x
// unchanged, when some row needs the general path (a non-finite m, or a NaN sum from a NaN
// element; a finite m makes every other sum >= 1).
template <std::size_t kWidth>
HWY_INLINE bool SoftmaxInRegisters(DF d, VF* x, std::size_t count) {
  VF top = hn::Set(d, -kInfinity);
  for (std::size_t k = 0; k < count; ++k) top = hn::Max(top, x[k]);
  const VF m = GroupReduce<kWidth>(d, top, [](VF a, VF b) { return hn::Max(a, b); });
  if (!hn::AllTrue(d, hn::IsFinite(m))) return false;
  VF e[kShortVectors];
  VF sum = hn::Zero(d);
  for (std::size_t k = 0; k < count; ++k) {
    e[k] = VecExp(d, hn::Sub(x[k], m));
    sum = hn::Add(sum, e[k]);
  }
  sum = GroupReduce<kWidth>(d, sum, [](VF a, VF b) { return hn::Add(a, b); });
  const VF one = hn::Set(d, 1.0f);
  if (!hn::AllTrue(d, hn::Ge(sum, one))) return false;
  const VF inverse = hn::Div(one, sum);
  for (std::size_t k = 0; k < count; ++k) x[k] = hn::Mul(e[k], inverse);
  return true;
}

// The statistics of the log_softmax and cross-entropy rows in registers, in every lane of a
// row's group: m, below = sum of exp(x_j - m) over x_j < m (ExpDiff, as the general path),
// ties = the number of x_j = m, each summed as SoftmaxInRegisters sums (vectors in order,
// then GroupReduce's tree), and s = (ties - 1) + below.
struct GroupStats {
  VF m, below, ties, s;
};

// GroupStats of the rows in x (as SoftmaxInRegisters), e[k] = ExpDiff(x[k], m) (1 at the
// maximum, +0 for -inf). False when some row needs the general path (a NaN anywhere, or a
// non-finite m).
template <std::size_t kWidth>
HWY_INLINE bool AccurateStats(DF d, const VF* x, VF* e, std::size_t count, GroupStats& stats) {
  VF top = hn::Set(d, -kInfinity);
  auto nan = hn::IsNaN(x[0]);
  for (std::size_t k = 0; k < count; ++k) {
    top = hn::Max(top, x[k]);
    nan = hn::Or(nan, hn::IsNaN(x[k]));
  }
  stats.m = GroupReduce<kWidth>(d, top, [](VF a, VF b) { return hn::Max(a, b); });
  if (!hn::AllFalse(d, nan) || !hn::AllTrue(d, hn::IsFinite(stats.m))) return false;
  const VF one = hn::Set(d, 1.0f);
  VF below = hn::Zero(d), ties = hn::Zero(d);
  std::size_t maxima = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const auto at_max = hn::Eq(x[k], stats.m);
    e[k] = ExpDiff(d, x[k], stats.m);
    below = hn::Add(below, hn::IfThenElseZero(hn::Lt(x[k], stats.m), e[k]));
    ties = hn::Add(ties, hn::IfThenElseZero(at_max, one));
    maxima += hn::CountTrue(d, at_max);
  }
  const auto add = [](VF a, VF b) { return hn::Add(a, b); };
  stats.below = GroupReduce<kWidth>(d, below, add);
  // One maximum per row (every row has at least one): ties = 1 everywhere, s = below, and the
  // ties need no reduction.
  constexpr std::size_t kRows = MaxLanes(DF()) / kWidth;
  if (maxima == kRows) {
    stats.ties = one;
    stats.s = stats.below;
  } else {
    stats.ties = GroupReduce<kWidth>(d, ties, add);
    stats.s = hn::Add(hn::Sub(stats.ties, one), stats.below);
  }
  return true;
}

// 1 in the lanes of the group's rows whose s is 0 although some logit below m is finite (each
// exp underflowed), 0 elsewhere: for a narrow E those rows' L = log1p(s) becomes 2^-149, as
// log_term (row.hpp) makes it, so that SumForStore rounds to odd on the exact output's side.
// Always 0 for f32; the logits are looked at only when some lane's s is 0.
template <class E, std::size_t kWidth>
HWY_INLINE VF UnderflowedRows(DF d, const VF* x, std::size_t count, const GroupStats& stats) {
  const auto zero_s = hn::Eq(stats.s, hn::Zero(d));
  if (!E::narrow || hn::AllFalse(d, zero_s)) return hn::Zero(d);
  const VF one = hn::Set(d, 1.0f), minus_infinity = hn::Set(d, -kInfinity);
  VF finite_below = hn::Zero(d);
  for (std::size_t k = 0; k < count; ++k) {
    const auto finite = hn::And(hn::Lt(x[k], stats.m), hn::Gt(x[k], minus_infinity));
    finite_below = hn::Max(finite_below, hn::IfThenElseZero(finite, one));
  }
  finite_below = GroupReduce<kWidth>(d, finite_below, [](VF a, VF b) { return hn::Max(a, b); });
  return hn::IfThenElseZero(zero_s, finite_below);
}

// L = log1p(s) per lane, as the log-type outputs add it (UnderflowedRows).
template <class E>
HWY_INLINE VF LogTerm(DF d, VF s, VF underflowed) {
  const VF log_sum = hn::Log1p(d, s);
  if constexpr (!E::narrow) return log_sum;
  const VF tiny = hn::Set(d, std::numeric_limits<float>::denorm_min());
  return hn::IfThenElse(hn::Gt(underflowed, hn::Zero(d)), tiny, log_sum);
}

// log_softmax as SoftmaxInRegisters: x_j - m - log1p(s) (AccurateStats), log1p as Highway's
// vector Log1p (measured over every f32 in [0, 128], the range of s for these rows:
// analyses/perf/exp_error_sweep.cpp log1p, proofs/log1p-simd.md). False, with x unchanged,
// when some row needs the general path.
template <class E, std::size_t kWidth>
HWY_INLINE bool LogSoftmaxInRegisters(DF d, VF* x, std::size_t count) {
  VF e[kShortVectors];
  GroupStats stats;
  if (!AccurateStats<kWidth>(d, x, e, count, stats)) return false;
  const VF minus_log_sum =
      hn::Neg(LogTerm<E>(d, stats.s, UnderflowedRows<E, kWidth>(d, x, count, stats)));
  for (std::size_t k = 0; k < count; ++k)
    x[k] = SumForStore<E>(d, hn::Sub(x[k], stats.m), minus_log_sum);
  return true;
}

// Cross-entropy rows in registers: the gradient e_j / (1 + s) in every lane (AccurateStats),
// handed to store(vectors), then per row, as FinishCrossEntropy, the loss (m - x_y) + log1p(s)
// and the target's gradient -(sum over j != y) / (1 + s), summed directly. The group's rows
// start at x_rows / out_rows (stride kWidth when several share a vector), their targets at
// targets, their losses at loss. False, with nothing stored, when some row needs the general
// path (special values, or a target outside [0, n)).
template <class E, std::size_t kWidth, class Store>
HWY_INLINE bool CrossEntropyInRegisters(DF d, VF* x, std::size_t count, std::size_t n,
                                        const std::int64_t* targets,
                                        const typename E::storage* x_rows,
                                        typename E::storage* out_rows,
                                        typename E::storage* loss, Store&& store) {
  constexpr std::size_t kLanes = MaxLanes(DF());
  constexpr std::size_t kRows = kLanes / kWidth;
  for (std::size_t q = 0; q < kRows; ++q)
    if (targets[q] < 0 || static_cast<std::size_t>(targets[q]) >= n) return false;
  VF e[kShortVectors];
  GroupStats stats;
  if (!AccurateStats<kWidth>(d, x, e, count, stats)) return false;
  const VF inverse = hn::Div(hn::Set(d, 1.0f), hn::Add(stats.ties, stats.below));
  alignas(64) float m[kLanes], below[kLanes], ties[kLanes], s[kLanes], log_sum[kLanes];
  alignas(64) float exps[kShortVectors * kLanes];
  hn::Store(stats.m, d, m);
  hn::Store(stats.below, d, below);
  hn::Store(stats.ties, d, ties);
  hn::Store(stats.s, d, s);
  hn::Store(LogTerm<E>(d, stats.s, UnderflowedRows<E, kWidth>(d, x, count, stats)), d, log_sum);
  for (std::size_t k = 0; k < count; ++k) {
    hn::Store(e[k], d, exps + k * kLanes);
    e[k] = hn::Mul(e[k], inverse);
  }
  store(e);
  for (std::size_t q = 0; q < kRows; ++q) {
    const std::size_t lane = q * kWidth, y = static_cast<std::size_t>(targets[q]);
    const float x_y = E::load(x_rows[lane + y]);
    const double others = x_y == m[lane] ? static_cast<double>(s[lane])
                                         : ties[lane] + (static_cast<double>(below[lane]) - exps[lane + y]);
    loss[q] = E::store_sum(m[lane] - x_y, log_sum[lane]);
    out_rows[lane + y] = E::store(-(static_cast<float>(others) / (ties[lane] + below[lane])) + 0.0f);
  }
  return true;
}

// The ops whose rows RowsInRegisters does (Op, a class, cannot be a template parameter).
enum class InRegistersOp { softmax, log_softmax, cross_entropy };

// The row op's arithmetic in registers.
template <InRegistersOp kOp, class E, std::size_t kWidth>
HWY_INLINE bool InRegisters(DF d, VF* x, std::size_t count) {
  static_assert(kOp != InRegistersOp::cross_entropy, "CrossEntropyInRegisters");
  if constexpr (kOp == InRegistersOp::softmax) {
    return SoftmaxInRegisters<kWidth>(d, x, count);
  } else {
    return LogSoftmaxInRegisters<E, kWidth>(d, x, count);
  }
}

// A short softmax or log_softmax row (n <= kShortVectors vectors) in registers; false when
// the row needs the general path.
template <InRegistersOp kOp, class E>
bool ShortRowInRegisters(DF d, const Row<E>& row) {
  VF x[kShortVectors];
  const std::size_t count = LoadShortRow(d, row, x);
  if (!InRegisters<kOp, E, MaxLanes(DF())>(d, x, count)) return false;
  StoreShortRow(d, row, x, count);
  return true;
}

// Softmax rows of kCount whole vectors each (n = kCount Lanes(d), any stride; kWidth =
// Lanes(d)), or kCount = 1 and rows of n = kWidth < Lanes(d) stored back to back (stride n,
// Lanes(d) / n rows per vector, reduced in groups of n lanes): a loop over the rows with
// nothing but the arithmetic (measured, analyses/perf: n = 8 to 128 1.7-5x faster than one
// ShortSoftmaxRow per row). A group of vectors holding a special row goes, rows and all, to
// general(first_row, rows) before anything is stored. Returns the number of rows done (whole
// groups).
// general(first_row, rows): the per-row path for a group that needs it. Type-erased, so that
// the in-register loops are compiled once per op, format and shape rather than once more per
// algorithm (they are the same for all four); it runs only for groups with special rows.
using GeneralRows = std::function<void(std::size_t, std::size_t)>;

template <InRegistersOp kOp, class E, std::size_t kCount, std::size_t kWidth>
std::size_t RowsInRegisters(DF d, const KernelCall& call, const GeneralRows& general) {
  using T = typename E::storage;
  constexpr std::size_t kLanes = MaxLanes(DF());
  constexpr std::size_t kPerGroup = kLanes / kWidth;  // rows per group of kCount vectors
  const std::size_t groups = call.rows / kPerGroup;
  const std::size_t step = kPerGroup * call.stride;
  const auto* x = static_cast<const T*>(call.x);
  auto* out = static_cast<T*>(call.out);
  for (std::size_t g = 0; g < groups; ++g) {
    VF v[kCount];
    for (std::size_t k = 0; k < kCount; ++k) v[k] = VectorIO<E>::Load(d, x + g * step + k * kLanes);
    if (InRegisters<kOp, E, kWidth>(d, v, kCount)) {
      for (std::size_t k = 0; k < kCount; ++k) VectorIO<E>::Store(d, v[k], out + g * step + k * kLanes);
    } else {
      general(g * kPerGroup, kPerGroup);
    }
  }
  return groups * kPerGroup;
}

// A vector of per-row values for a group of rows of kWidth lanes each: lane i gets
// per_row[i / kWidth] (Lanes(d) floats readable from per_row).
template <std::size_t kWidth>
HWY_INLINE VF SpreadRowValues(DF d, const float* per_row) {
  if constexpr (kWidth == MaxLanes(DF())) {
    return hn::Set(d, per_row[0]);
  } else {
    const hn::RebindToSigned<DF> di;
    const auto row_of_lane = hn::ShiftRight<hwy::FloorLog2(kWidth)>(hn::Iota(di, 0));
    return hn::TableLookupLanes(hn::LoadU(d, per_row), hn::IndicesFromVec(d, row_of_lane));
  }
}

// log_softmax rows in blocks of Lanes(d) rows, in the layouts of RowsInRegisters (rows of
// kCount whole vectors, kWidth = Lanes(d); or kCount = 1 and rows of n = kWidth < Lanes(d)
// back to back, Lanes(d) / kWidth rows per vector): each group's statistics as
// LogSoftmaxInRegisters makes them (AccurateStats), then one vector Log1p for the block, row
// q's s in lane q, then x_j - m - log1p(s) from the group reloaded. Log1p works lane by lane,
// so every row gets the bits it gets alone; the block pays one Log1p (with its division)
// instead of one per group, the longest chain of a short row. A group that needs the general
// path goes to general(first_row, rows). Returns the rows done (whole blocks).
template <class E, std::size_t kCount, std::size_t kWidth>
std::size_t LogSoftmaxBlocks(DF d, const KernelCall& call, const GeneralRows& general) {
  using T = typename E::storage;
  constexpr std::size_t kLanes = MaxLanes(DF());
  constexpr std::size_t kPerGroup = kLanes / kWidth;  // rows per group of kCount vectors
  constexpr std::size_t kGroups = kWidth;             // groups per block of kLanes rows
  const std::size_t blocks = call.rows / kLanes;
  const std::size_t step = kPerGroup * call.stride;  // from one group to the next
  const auto* x = static_cast<const T*>(call.x);
  auto* out = static_cast<T*>(call.out);
  // Per row of the block: s, and 1 where it underflowed (UnderflowedRows).
  alignas(64) float m[kGroups * kLanes], s[kLanes], underflowed[kLanes], stats_s[kLanes],
      stats_underflowed[kLanes];
  alignas(64) float log_sum[2 * kLanes] = {};  // read a vector at a time from any group's first row
  bool special[kGroups];
  for (std::size_t b = 0; b < blocks; ++b) {
    for (std::size_t g = 0; g < kGroups; ++g) {
      const T* group = x + (b * kGroups + g) * step;
      VF v[kCount], e[kShortVectors];
      for (std::size_t k = 0; k < kCount; ++k) v[k] = VectorIO<E>::Load(d, group + k * kLanes);
      GroupStats stats;
      special[g] = !AccurateStats<kWidth>(d, v, e, kCount, stats);
      if (special[g]) stats.m = stats.s = hn::Zero(d);
      hn::Store(stats.m, d, m + g * kLanes);
      hn::Store(stats.s, d, stats_s);
      hn::Store(special[g] ? hn::Zero(d) : UnderflowedRows<E, kWidth>(d, v, kCount, stats), d,
                stats_underflowed);
      for (std::size_t p = 0; p < kPerGroup; ++p) {
        s[g * kPerGroup + p] = stats_s[p * kWidth];
        underflowed[g * kPerGroup + p] = stats_underflowed[p * kWidth];
      }
    }
    hn::Store(LogTerm<E>(d, hn::Load(d, s), hn::Load(d, underflowed)), d, log_sum);
    for (std::size_t g = 0; g < kGroups; ++g) {
      const std::size_t first = (b * kGroups + g) * kPerGroup;
      if (special[g]) {
        general(first, kPerGroup);
        continue;
      }
      const VF minus_vl = hn::Neg(SpreadRowValues<kWidth>(d, log_sum + g * kPerGroup));  // rows' -L
      const VF vm = hn::Load(d, m + g * kLanes);
      const T* group = x + (b * kGroups + g) * step;
      T* group_out = out + (b * kGroups + g) * step;
      for (std::size_t k = 0; k < kCount; ++k) {
        const VF v = VectorIO<E>::Load(d, group + k * kLanes);
        VectorIO<E>::Store(d, SumForStore<E>(d, hn::Sub(v, vm), minus_vl), group_out + k * kLanes);
      }
    }
  }
  return blocks * kLanes;
}

// Cross-entropy rows in blocks of Lanes(d) rows, in RowsInRegisters' layouts: each group's
// statistics and exps as CrossEntropyInRegisters makes them, then for the block one vector
// division for the rows' 1 / (ties + below) and one Log1p for their s (row q in lane q; both
// work lane by lane, so every row gets the bits it gets alone), then per group the gradient
// e_j / (1 + s) and, per row, the loss and the target's gradient as there. A group with a
// special row or a target outside [0, n) goes to general(first_row, rows). Returns the rows
// done (whole blocks).
template <class E, std::size_t kCount, std::size_t kWidth>
std::size_t CrossEntropyBlocks(DF d, const KernelCall& call, const GeneralRows& general) {
  using T = typename E::storage;
  constexpr std::size_t kLanes = MaxLanes(DF());
  constexpr std::size_t kPerGroup = kLanes / kWidth;  // rows per group of kCount vectors
  constexpr std::size_t kGroups = kWidth;             // groups per block of kLanes rows
  const std::size_t blocks = call.rows / kLanes;
  const std::size_t step = kPerGroup * call.stride;
  const auto* x = static_cast<const T*>(call.x);
  auto* out = static_cast<T*>(call.out);
  auto* loss = static_cast<T*>(call.loss);
  // Per group (kLanes lanes each): m, below, ties, s, and its exps (kCount vectors).
  alignas(64) float m[kGroups * kLanes] = {}, below[kGroups * kLanes] = {},
      ties[kGroups * kLanes] = {}, s[kGroups * kLanes] = {}, underflowed[kGroups * kLanes] = {},
      exps[kGroups * kCount * kLanes];
  // Per row of the block: s and ties + below; then log1p(s) and 1 / (ties + below), read a
  // vector at a time from any group's first row.
  alignas(64) float row_s[kLanes], row_underflowed[kLanes], row_total[kLanes];
  alignas(64) float log_sum[2 * kLanes] = {}, inverse[2 * kLanes] = {};
  bool special[kGroups];
  for (std::size_t b = 0; b < blocks; ++b) {
    for (std::size_t g = 0; g < kGroups; ++g) {
      const std::size_t first = (b * kGroups + g) * kPerGroup;
      special[g] = false;
      for (std::size_t q = 0; q < kPerGroup; ++q) {
        const std::int64_t y = call.target[first + q];
        if (y < 0 || static_cast<std::size_t>(y) >= call.n) special[g] = true;
      }
      if (!special[g]) {
        const T* group = x + (b * kGroups + g) * step;
        VF v[kCount], e[kShortVectors];
        for (std::size_t k = 0; k < kCount; ++k) v[k] = VectorIO<E>::Load(d, group + k * kLanes);
        GroupStats stats;
        special[g] = !AccurateStats<kWidth>(d, v, e, kCount, stats);
        if (!special[g]) {
          hn::Store(stats.m, d, m + g * kLanes);
          hn::Store(stats.below, d, below + g * kLanes);
          hn::Store(stats.ties, d, ties + g * kLanes);
          hn::Store(stats.s, d, s + g * kLanes);
          hn::Store(UnderflowedRows<E, kWidth>(d, v, kCount, stats), d, underflowed + g * kLanes);
          for (std::size_t k = 0; k < kCount; ++k)
            hn::Store(e[k], d, exps + (g * kCount + k) * kLanes);
        }
      }
      for (std::size_t q = 0; q < kPerGroup; ++q) {
        const std::size_t lane = g * kLanes + q * kWidth;
        row_s[g * kPerGroup + q] = special[g] ? 0.0f : s[lane];
        row_underflowed[g * kPerGroup + q] = special[g] ? 0.0f : underflowed[lane];
        row_total[g * kPerGroup + q] = special[g] ? 1.0f : ties[lane] + below[lane];
      }
    }
    hn::Store(LogTerm<E>(d, hn::Load(d, row_s), hn::Load(d, row_underflowed)), d, log_sum);
    hn::Store(hn::Div(hn::Set(d, 1.0f), hn::Load(d, row_total)), d, inverse);
    for (std::size_t g = 0; g < kGroups; ++g) {
      const std::size_t first = (b * kGroups + g) * kPerGroup;
      if (special[g]) {
        general(first, kPerGroup);
        continue;
      }
      const VF vi = SpreadRowValues<kWidth>(d, inverse + g * kPerGroup);  // 1 / (ties + below)
      const T* group = x + (b * kGroups + g) * step;
      T* group_out = out + (b * kGroups + g) * step;
      const float* group_exps = exps + g * kCount * kLanes;
      for (std::size_t k = 0; k < kCount; ++k)
        VectorIO<E>::Store(d, hn::Mul(hn::Load(d, group_exps + k * kLanes), vi),
                           group_out + k * kLanes);
      for (std::size_t q = 0; q < kPerGroup; ++q) {
        const std::size_t lane = q * kWidth, at = g * kLanes + lane;
        const std::size_t y = static_cast<std::size_t>(call.target[first + q]);
        const float x_y = E::load(group[lane + y]);
        const double others = x_y == m[at] ? static_cast<double>(s[at])
                                           : ties[at] + (static_cast<double>(below[at]) - group_exps[lane + y]);
        loss[first + q] = E::store_sum(m[at] - x_y, log_sum[g * kPerGroup + q]);
        group_out[lane + y] = E::store(-(static_cast<float>(others) / (ties[at] + below[at])) + 0.0f);
      }
    }
  }
  return blocks * kLanes;
}

// RowsInRegisters, or for log_softmax and cross-entropy their blocks (the same layouts and
// bits).
template <InRegistersOp kOp, class E, std::size_t kCount, std::size_t kWidth>
std::size_t InRegisterRows(DF d, const KernelCall& call, const GeneralRows& general) {
  if constexpr (kOp == InRegistersOp::log_softmax) {
    return LogSoftmaxBlocks<E, kCount, kWidth>(d, call, general);
  } else if constexpr (kOp == InRegistersOp::cross_entropy) {
    return CrossEntropyBlocks<E, kCount, kWidth>(d, call, general);
  } else {
    return RowsInRegisters<kOp, E, kCount, kWidth>(d, call, general);
  }
}

// Runs RowsInRegisters when the call's shape allows it (rows of 1, 2, 4, 8 or 16 whole vectors,
// or rows of 1, 2, 4 or 8 elements back to back, shorter than a vector); returns the rows done.
template <InRegistersOp kOp, class E>
std::size_t ShortRows(const KernelCall& call, const GeneralRows& general) {
  const DF d;
  constexpr std::size_t kLanes = MaxLanes(DF());
  const std::size_t n = call.n;
  if (n == 0 || hn::Lanes(d) != kLanes) return 0;
  if (n < kLanes) {
    if (call.stride != n) return 0;
    switch (n) {
      case 1:
        return InRegisterRows<kOp, E, 1, 1>(d, call, general);
      case 2:
        if constexpr (kLanes % 2 == 0) return InRegisterRows<kOp, E, 1, 2>(d, call, general);
        return 0;
      case 4:
        if constexpr (kLanes % 4 == 0) return InRegisterRows<kOp, E, 1, 4>(d, call, general);
        return 0;
      case 8:
        if constexpr (kLanes % 8 == 0) return InRegisterRows<kOp, E, 1, 8>(d, call, general);
        return 0;
      default:
        return 0;
    }
  }
  switch (n % kLanes == 0 ? n / kLanes : 0) {
    case 1:
      return InRegisterRows<kOp, E, 1, kLanes>(d, call, general);
    case 2:
      return InRegisterRows<kOp, E, 2, kLanes>(d, call, general);
    case 4:
      return InRegisterRows<kOp, E, 4, kLanes>(d, call, general);
    case 8:
      return InRegisterRows<kOp, E, 8, kLanes>(d, call, general);
    case 16:
      if constexpr (kShortVectors >= 16) return InRegisterRows<kOp, E, 16, kLanes>(d, call, general);
      return 0;
    default:
      return 0;
  }
}

// The rows ShortRows does for the op (softmax, log_softmax and cross-entropy).
template <class E>
std::size_t ShortRowsOf(Op op, const KernelCall& call, const GeneralRows& general) {
  if (op == Op::softmax) return ShortRows<InRegistersOp::softmax, E>(call, general);
  if (op == Op::log_softmax) return ShortRows<InRegistersOp::log_softmax, E>(call, general);
  if (op == Op::cross_entropy) return ShortRows<InRegistersOp::cross_entropy, E>(call, general);
  return 0;
}

// A short cross-entropy row in registers, one row at a time (the rows RowsInRegisters does
// not take): the same arithmetic, so a row gets the same bits either way. False when the row
// needs the general path.
template <class E>
bool CrossEntropyShortRow(DF d, const Row<E>& row) {
  VF x[kShortVectors];
  const std::size_t count = LoadShortRow(d, row, x);
  const std::int64_t target = static_cast<std::int64_t>(row.target);
  const auto store = [&](const VF* gradient) { StoreShortRow(d, row, gradient, count); };
  return CrossEntropyInRegisters<E, MaxLanes(DF())>(d, x, count, row.n, &target, row.x, row.out,
                                                     row.result, store);
}

// The softmax row; false when the row needs the general path (special values). stream: see
// WritePass.
template <class E, SimdAlgorithm kAlgorithm>
bool SoftmaxRow(const Row<E>& row, float* scratch, bool stream) {
  const DF d;
  if (row.n <= ShortRowLength()) return ShortRowInRegisters<InRegistersOp::softmax>(d, row);
  const RowSource<E> src{row.x};
  float m;
  double sum;
  if constexpr (kAlgorithm == SimdAlgorithm::two_pass || kAlgorithm == SimdAlgorithm::online) {
    if constexpr (kAlgorithm == SimdAlgorithm::two_pass) {
      std::tie(m, sum) = TwoPassSum(d, src, row.n);
    } else {
      std::tie(m, sum) = OnlineSum(d, src, row.n);
    }
    if (!(sum >= 1) || !std::isfinite(m)) return false;
  } else {
    m = MaxOnly(d, src, row.n);
    if (!std::isfinite(m)) return false;
    if constexpr (kAlgorithm == SimdAlgorithm::three_pass_reload) {
      float* buffer = std::is_same_v<E, F32> ? reinterpret_cast<float*>(row.out) : scratch;
      sum = SumExp(d, src, row.n, m, [&](VF e, std::size_t i, std::size_t count) {
        if (count == hn::Lanes(d)) {
          hn::StoreU(e, d, buffer + i);
        } else {
          StoreTail<F32>(d, e, buffer + i, count);
        }
      });
      // A NaN sum means a NaN element (m is finite); the buffer may be the output row, so
      // the special outputs are written here rather than by the general path.
      if (!(sum >= 1)) {
        write_special(Op::softmax, row, std::numeric_limits<float>::quiet_NaN());
        return true;
      }
      const VF inverse = hn::Set(d, static_cast<float>(1.0 / sum));
      WritePass(d, row, BufferSource{buffer}, stream, [&](VF e) { return hn::Mul(e, inverse); });
      return true;
    } else {
      sum = SumExp(d, src, row.n, m, [](VF, std::size_t, std::size_t) {});
      if (!(sum >= 1)) return false;
    }
  }
  const VF vm = hn::Set(d, m);
  const VF inverse = hn::Set(d, static_cast<float>(1.0 / sum));
  WritePass(d, row, src, stream, [&](VF x) { return hn::Mul(VecExp(d, hn::Sub(x, vm)), inverse); });
  return true;
}

template <class E, SimdAlgorithm kAlgorithm>
void SimdRow(Op op, const Row<E>& row, float* scratch, bool stream) {
  const DF d;
  const RowSource<E> src{row.x};
  RowStats stats;
  float* buffer = nullptr;
  if (op == Op::softmax && SoftmaxRow<E, kAlgorithm>(row, scratch, stream)) return;
  if (op == Op::log_softmax && row.n <= ShortRowLength() &&
      ShortRowInRegisters<InRegistersOp::log_softmax>(d, row))
    return;
  if (op == Op::cross_entropy && row.n <= ShortRowLength() && CrossEntropyShortRow(d, row)) return;
  // Short rows reach here only when special (NaN, +inf, every logit -inf): the general path
  // writes their special outputs.
  const bool accurate = op != Op::softmax;  // ExpDiff (simd_exp-inl.h) or the plain VecExp
  if constexpr (kAlgorithm == SimdAlgorithm::two_pass) {
    stats = accurate ? TwoPassStats<true>(d, src, row.n) : TwoPassStats<false>(d, src, row.n);
  } else if constexpr (kAlgorithm == SimdAlgorithm::online) {
    stats = accurate ? OnlineStats<true>(d, src, row.n) : OnlineStats<false>(d, src, row.n);
  } else {
    stats = MaxPass(d, src, row.n);
  }
  if (const auto special = special_logsumexp(stats.has_nan, stats.m))
    return write_special(op, row, *special);
  if constexpr (kAlgorithm == SimdAlgorithm::three_pass_recompute) {
    const auto keep_nothing = [](VF, VF, std::size_t, std::size_t) {};
    if (op == Op::softmax) {
      SumPass<false>(d, src, row.n, stats, keep_nothing);
    } else {
      SumPass<true>(d, src, row.n, stats, keep_nothing);
    }
  } else if constexpr (kAlgorithm == SimdAlgorithm::three_pass_reload) {
    if constexpr (std::is_same_v<E, F32>) {
      buffer = row.out;
    } else {
      buffer = scratch;
    }
    const bool keep_diff = op == Op::log_softmax;
    const auto keep = [&](VF diff, VF e, std::size_t i, std::size_t count) {
      const VF v = keep_diff ? diff : e;
      if (count == hn::Lanes(d)) {
        hn::StoreU(v, d, buffer + i);
      } else {
        StoreTail<F32>(d, v, buffer + i, count);
      }
    };
    if (op == Op::softmax) {
      SumPass<false>(d, src, row.n, stats, keep);
    } else {
      SumPass<true>(d, src, row.n, stats, keep);
    }
  }
  WriteOutputs(op, row, stats, buffer, stream);
}

// Rows [first, first + count) of a call with row outputs (softmax, log_softmax,
// cross-entropy): x and out advance by whole rows, the loss and the targets by one per row.
template <class E>
KernelCall RowRange(const KernelCall& call, std::size_t first, std::size_t count) {
  using T = typename E::storage;
  KernelCall range = call;
  range.x = static_cast<const T*>(call.x) + first * call.stride;
  range.out = static_cast<T*>(call.out) + first * call.stride;
  if (call.loss) range.loss = static_cast<T*>(call.loss) + first;
  if (call.target) range.target = call.target + first;
  range.rows = count;
  return range;
}

template <class E, SimdAlgorithm kAlgorithm>
void RunRows(Op op, const KernelCall& call) {
  constexpr bool kNeedsScratch =
      kAlgorithm == SimdAlgorithm::three_pass_reload && !std::is_same_v<E, F32>;
  std::vector<float> scratch(kNeedsScratch ? call.n : 0);
  // Three-pass-reload never streams: its final pass rewrites the lines that pass 2 wrote and
  // it has just read, and a streaming store to a cached line evicts it first (measured,
  // analyses/perf/README.md: 1M 13.5 -> 7.2 GB/s, 16M 6.3-9.0 -> 5.8-6.1).
  constexpr bool kStreams =
      std::is_same_v<E, F32> && kAlgorithm != SimdAlgorithm::three_pass_reload;
  const bool stream = kStreams && call.n * sizeof(float) >= simd_stream_bytes();
  const auto rows = [&](std::size_t first, std::size_t count) {
    run_rows<E>(op, RowRange<E>(call, first, count), [&](const Row<E>& row) {
      SimdRow<E, kAlgorithm>(op, row, scratch.data(), stream);
    });
  };
  const std::size_t done = ShortRowsOf<E>(op, call, GeneralRows(rows));
  rows(done, call.rows - done);
}

template <class E>
void RunFormat(SimdAlgorithm algorithm, Op op, const KernelCall& call) {
  switch (algorithm) {
    case SimdAlgorithm::two_pass:
      return RunRows<E, SimdAlgorithm::two_pass>(op, call);
    case SimdAlgorithm::three_pass_recompute:
      return RunRows<E, SimdAlgorithm::three_pass_recompute>(op, call);
    case SimdAlgorithm::three_pass_reload:
      return RunRows<E, SimdAlgorithm::three_pass_reload>(op, call);
    case SimdAlgorithm::online:
      return RunRows<E, SimdAlgorithm::online>(op, call);
  }
}

void RunKernel(SimdAlgorithm algorithm, Op op, Format format, const KernelCall& call) {
  switch (format) {
    case Format::bf16:
      return RunFormat<Bf16>(algorithm, op, call);
    case Format::f16:
      return RunFormat<F16>(algorithm, op, call);
    default:  // f32 (register_simd_kernels registers no f64 kernel)
      return RunFormat<F32>(algorithm, op, call);
  }
}

}  // namespace softcheck::kernels::simd::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace softcheck::kernels {
namespace {
std::atomic<std::size_t> g_stream_bytes{kSimdStreamBytes};
std::atomic<std::size_t> g_streamed_rows{0};
}  // namespace

namespace simd {
HWY_EXPORT(RunKernel);
HWY_EXPORT(ShortRowLength);

void count_streamed_row() {
  g_streamed_rows.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace simd

std::size_t simd_streamed_rows() {
  return g_streamed_rows.load(std::memory_order_relaxed);
}

std::size_t simd_stream_bytes() {
  return g_stream_bytes.load(std::memory_order_relaxed);
}

std::size_t simd_set_stream_bytes(std::size_t bytes) {
  return g_stream_bytes.exchange(bytes);
}

std::size_t simd_short_row_length() {
  return HWY_DYNAMIC_DISPATCH(simd::ShortRowLength)();
}

void run_simd(SimdAlgorithm algorithm, Op op, Format format, const KernelCall& call) {
  HWY_DYNAMIC_DISPATCH(simd::RunKernel)(algorithm, op, format, call);
}
}  // namespace softcheck::kernels
#endif  // HWY_ONCE
