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

}  // namespace softcheck::kernels::simd::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // SOFTCHECK_KERNELS_SIMD_FORMAT_INL_H_
