// Vector loads and stores of the storage formats, compiled once per Highway target (the
// toggle guard follows Highway's "-inl.h" convention). Every load widens to f32 exactly and
// every store rounds to nearest, ties to even, exactly like element.hpp's scalar
// narrow_bf16 / narrow_f16 (subnormals kept, overflow to infinity, NaN to a quiet NaN):
//   f32:  plain loads and stores.
//   bf16: the 16 bits shifted into the top half of an f32; the store adds 0x7FFF plus the
//         kept part's lowest bit, then shifts (Highway 1.0.3's DemoteTo to bf16 truncates).
//   f16:  F16C (vcvtph2ps / vcvtps2ph with round-to-nearest-even) on AVX2 and AVX3; on the
//         other targets Highway 1.0.3 emulates these conversions with truncation and without
//         infinities, so element.hpp's scalar conversions run lane by lane instead.
// Tails (fewer than a vector of elements): on AVX3, masked loads and stores of f32 and bf16
// (AVX-512 masks suppress faults in the masked-off lanes, so nothing past the row is read or
// written); everywhere else, and for f16, through a float buffer with scalar conversions.
#if defined(SOFTCHECK_KERNELS_SIMD_FORMAT_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SOFTCHECK_KERNELS_SIMD_FORMAT_INL_H_
#undef SOFTCHECK_KERNELS_SIMD_FORMAT_INL_H_
#else
#define SOFTCHECK_KERNELS_SIMD_FORMAT_INL_H_
#endif

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "hwy/highway.h"
#include "kernels/element.hpp"

HWY_BEFORE_NAMESPACE();
namespace softcheck::kernels::simd::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;
// A float buffer of one vector, for every target.
inline constexpr std::size_t kMaxLanes = HWY_MAX_BYTES / sizeof(float);

#undef SOFTCHECK_SIMD_NATIVE_F16
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2 && !defined(HWY_DISABLE_F16C)
#define SOFTCHECK_SIMD_NATIVE_F16 1
#else
#define SOFTCHECK_SIMD_NATIVE_F16 0
#endif

// Full vectors: Load(d, p) reads Lanes(d) elements at p, Store(d, v, p) writes them.
template <class E>
struct VectorIO;

template <>
struct VectorIO<F32> {
  static VF Load(DF d, const float* p) { return hn::LoadU(d, p); }
  static void Store(DF d, VF v, float* p) { hn::StoreU(v, d, p); }
};

template <>
struct VectorIO<Bf16> {
  static VF Load(DF d, const std::uint16_t* p) {
    const hn::Rebind<std::uint16_t, DF> du16;
    return Widen(d, hn::LoadU(du16, p));
  }
  // The bf16 bit patterns of v's lanes, rounded to nearest even (unsigned lanes: the shifts
  // are logical, and the rounded lanes fit 16 bits, so truncating them is exact).
  static hn::Vec<hn::Rebind<std::uint16_t, DF>> Bits(VF v) {
    const hn::Rebind<std::uint16_t, DF> du16;
    const hn::RebindToUnsigned<DF> du32;
    const auto bits = hn::BitCast(du32, v);
    const auto odd = hn::And(hn::ShiftRight<16>(bits), hn::Set(du32, 1));
    const auto rounded = hn::ShiftRight<16>(hn::Add(hn::Add(bits, hn::Set(du32, 0x7FFF)), odd));
    const auto nan = hn::RebindMask(du32, hn::IsNaN(v));
    return hn::TruncateTo(du16, hn::IfThenElse(nan, hn::Set(du32, kBf16QuietNaN), rounded));
  }
  static VF Widen(DF d, hn::Vec<hn::Rebind<std::uint16_t, DF>> bits) {
    const hn::RebindToUnsigned<DF> du32;
    return hn::BitCast(d, hn::ShiftLeft<16>(hn::PromoteTo(du32, bits)));
  }
  static void Store(DF, VF v, std::uint16_t* p) {
    const hn::Rebind<std::uint16_t, DF> du16;
    hn::StoreU(Bits(v), du16, p);
  }
};

template <>
struct VectorIO<F16> {
  static VF Load(DF d, const std::uint16_t* p) {
#if SOFTCHECK_SIMD_NATIVE_F16
    const hn::Rebind<hwy::float16_t, DF> df16;
    return hn::PromoteTo(d, hn::LoadU(df16, reinterpret_cast<const hwy::float16_t*>(p)));
#else
    alignas(64) float buffer[kMaxLanes] = {};
    for (std::size_t i = 0; i < hn::Lanes(d); ++i) buffer[i] = widen_f16(p[i]);
    return hn::LoadU(d, buffer);
#endif
  }
  static void Store(DF d, VF v, std::uint16_t* p) {
#if SOFTCHECK_SIMD_NATIVE_F16
    const hn::Rebind<hwy::float16_t, DF> df16;
    hn::StoreU(hn::DemoteTo(df16, v), df16, reinterpret_cast<hwy::float16_t*>(p));
#else
    alignas(64) float buffer[kMaxLanes] = {};
    hn::StoreU(v, d, buffer);
    for (std::size_t i = 0; i < hn::Lanes(d); ++i) p[i] = narrow_f16(buffer[i]);
#endif
  }
};

// The first `count` < Lanes(d) elements at p, the other lanes `fill`.
template <class E>
VF LoadTail(DF d, const typename E::storage* p, std::size_t count, float fill) {
#if !HWY_MEM_OPS_MIGHT_FAULT
  if constexpr (std::is_same_v<E, F32>) {
    const auto mask = hn::FirstN(d, count);
    return hn::IfThenElse(mask, hn::MaskedLoad(mask, d, p), hn::Set(d, fill));
  } else if constexpr (std::is_same_v<E, Bf16>) {
    const hn::Rebind<std::uint16_t, DF> du16;
    const VF v = VectorIO<Bf16>::Widen(d, hn::MaskedLoad(hn::FirstN(du16, count), du16, p));
    return hn::IfThenElse(hn::FirstN(d, count), v, hn::Set(d, fill));
  }
#endif
  alignas(64) float buffer[kMaxLanes] = {};
  for (std::size_t i = 0; i < hn::Lanes(d); ++i) buffer[i] = i < count ? E::load(p[i]) : fill;
  return hn::LoadU(d, buffer);
}

template <class E>
void StoreTail(DF d, VF v, typename E::storage* p, std::size_t count) {
#if !HWY_MEM_OPS_MIGHT_FAULT
  if constexpr (std::is_same_v<E, F32>) {
    return hn::BlendedStore(v, hn::FirstN(d, count), d, p);
  } else if constexpr (std::is_same_v<E, Bf16>) {
    const hn::Rebind<std::uint16_t, DF> du16;
    return hn::BlendedStore(VectorIO<Bf16>::Bits(v), hn::FirstN(du16, count), du16, p);
  }
#endif
  alignas(64) float buffer[kMaxLanes] = {};
  hn::StoreU(v, d, buffer);
  for (std::size_t i = 0; i < count; ++i) p[i] = E::store(buffer[i]);
}

// The float bits that can lie on a midpoint of E's grid: (bits & kMask) == kBits. bf16: the
// 16 bits narrowing drops are exactly a half (bf16 keeps f32's exponents). f16: the 12 low
// bits are 0 (a superset: a normal f16's midpoint has its 13 dropped bits 0x1000, a
// subnormal's is a multiple of 2^-25, which leaves at least 12 low bits 0 in a float of that
// size, and exact f16 values pass too).
template <class E>
struct MidpointBits;
template <>
struct MidpointBits<Bf16> {
  static constexpr std::uint32_t kMask = 0xFFFF, kBits = 0x8000;
};
template <>
struct MidpointBits<F16> {
  static constexpr std::uint32_t kMask = 0xFFF, kBits = 0;
};

// a + b lane by lane as the store of E wants it: for the narrow formats rounded to odd
// (element.hpp's add_round_to_odd: the float sum, moved one ulp toward the exact sum where it
// is inexact and even), so that the store's rounding to bf16 or f16 rounds the exact sum
// correctly; for f32 the plain sum. Only a sum on a midpoint of E's grid can round wrong
// twice, so a vector without one (nearly every vector) costs a test, not the TwoSum.
template <class E>
HWY_INLINE VF SumForStore(DF d, VF a, VF b) {
  const VF sum = hn::Add(a, b);
  if constexpr (!E::narrow) {
    return sum;
  } else {
    const hn::RebindToUnsigned<DF> du;
    const auto bits = hn::BitCast(du, sum);
    const auto on_midpoint = hn::Eq(hn::And(bits, hn::Set(du, MidpointBits<E>::kMask)),
                                    hn::Set(du, MidpointBits<E>::kBits));
    if (hn::AllFalse(du, on_midpoint)) return sum;
    const VF a_part = hn::Sub(sum, b);  // TwoSum's error, as fp::two_sum_error
    const VF error = hn::Add(hn::Sub(a, a_part), hn::Sub(b, hn::Sub(sum, a_part)));
    const auto one = hn::Set(du, 1u);
    const auto even = hn::RebindMask(d, hn::Eq(hn::And(bits, one), hn::Zero(du)));
    const auto step = hn::And(hn::IsFinite(sum), hn::And(even, hn::Ne(error, hn::Zero(d))));
    // +1 on the bits moves away from zero, -1 toward it: toward where error and sum differ in
    // sign.
    const auto toward_zero =
        hn::Ne(hn::ShiftRight<31>(hn::Xor(bits, hn::BitCast(du, error))), hn::Zero(du));
    const auto delta = hn::IfThenElse(toward_zero, hn::Set(du, 0xFFFFFFFFu), one);
    return hn::IfThenElse(step, hn::BitCast(d, hn::Add(bits, delta)), sum);
  }
}

}  // namespace softcheck::kernels::simd::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // SOFTCHECK_KERNELS_SIMD_FORMAT_INL_H_
