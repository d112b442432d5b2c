// The kernels' vector exp and log1p over an array, and the name of the dispatched target
// (simd.hpp). Compiled
// once per Highway target by foreach_target.h; HWY_DYNAMIC_DISPATCH picks the best target
// the CPU supports.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/simd/simd_exp.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"
#include "kernels/simd/simd_exp-inl.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string_view>

#include "kernels/simd/simd.hpp"

HWY_BEFORE_NAMESPACE();
namespace softcheck::kernels::simd::HWY_NAMESPACE {

// out[i] = f(d, in[i]) for n floats (the tail through a zeroed buffer).
template <class F>
void MapArray(const float* in, float* out, std::size_t n, F&& f) {
  const hn::ScalableTag<float> d;
  const std::size_t lanes = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) hn::StoreU(f(d, hn::LoadU(d, in + i)), d, out + i);
  if (i == n) return;
  alignas(64) float buffer[HWY_MAX_BYTES / sizeof(float)] = {};
  std::memcpy(buffer, in + i, (n - i) * sizeof(float));
  hn::StoreU(f(d, hn::LoadU(d, buffer)), d, buffer);
  std::memcpy(out + i, buffer, (n - i) * sizeof(float));
}

void ExpArray(const float* in, float* out, std::size_t n) {
  MapArray(in, out, n, [](auto d, auto v) { return VecExp(d, v); });
}

// Highway's Log1p, as the log_softmax rows in registers call it (simd_softmax.cpp).
void Log1pArray(const float* in, float* out, std::size_t n) {
  MapArray(in, out, n, [](auto d, auto v) { return hn::Log1p(d, v); });
}

std::int64_t Target() { return HWY_TARGET; }

}  // namespace softcheck::kernels::simd::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace softcheck::kernels {
namespace simd {
HWY_EXPORT(ExpArray);
HWY_EXPORT(Log1pArray);
HWY_EXPORT(Target);
}  // namespace simd

void simd_exp(const float* in, float* out, std::size_t n) {
  HWY_DYNAMIC_DISPATCH(simd::ExpArray)(in, out, n);
}

void simd_log1p(const float* in, float* out, std::size_t n) {
  HWY_DYNAMIC_DISPATCH(simd::Log1pArray)(in, out, n);
}

std::string simd_target_name() {
  std::string name = hwy::TargetName(HWY_DYNAMIC_DISPATCH(simd::Target)());
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

bool simd_force_target(std::string_view name) {
  hwy::SetSupportedTargetsForTest(0);  // the CPU's own targets
  if (name.empty()) return true;
  const std::int64_t supported = hwy::SupportedTargets();
  for (std::int64_t bit = 1; bit != 0 && bit <= HWY_TARGETS; bit <<= 1) {
    if ((HWY_TARGETS & bit) == 0) continue;
    std::string target = hwy::TargetName(bit);
    std::transform(target.begin(), target.end(), target.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (target != name) continue;
    if ((supported & bit) == 0) return false;
    hwy::SetSupportedTargetsForTest(bit);
    return true;
  }
  return false;
}
}  // namespace softcheck::kernels
#endif  // HWY_ONCE
