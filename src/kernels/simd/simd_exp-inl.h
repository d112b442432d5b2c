// The vector exp of the SIMD kernels, compiled once per Highway target (include it after
// hwy/highway.h in a file that uses foreach_target.h; the toggle guard below follows
// Highway's "-inl.h" convention, so each target gets its own copy). Every constant, its
// origin and the error analysis: proofs/exp-poly-simd.md (Sollya: proofs/exp_poly_simd.sollya).
//
//   x is clamped to [kExpLow, kExpHigh] = [-105, 89]: below, exp rounds to +0; above, to +inf
//   n = round(x * log2 e)                      (MulAdd into 1.5 * 2^23, then subtracted back)
//   r = (x - n * ln2_hi) - n * ln2_lo           (Cody-Waite, ln2_hi = 0x1.63p-1 has 9 bits, so
//                                                n * ln2_hi (|n| <= 151) and the subtraction are
//                                                exact with or without FMA: SSE4 has none)
//   p = 1 + r (1 + r (1/2 + r (c3 + r (c4 + r (c5 + r c6)))))   (degree 6, Horner with FMA;
//                                                c3..c6 the real minimax of the relative error
//                                                with c1 = 1, c2 = 1/2 exact, rounded to single:
//                                                0.0643 u)
//   AVX3: exp(x) = scalef(p, n) = p * 2^n, one rounding (vscalefps), also into the subnormals.
//   Other targets: exp(x) = (p * 2^n1) * 2^n2,  n1 = floor(n / 2), n2 = n - n1; a vector whose
//   lanes all lie in [-87, 88] (every lane's 2^n normal) takes p * 2^n in one product and no
//   clamps instead, with the same bits (VecExp).
// Splitting 2^n into two normal powers keeps every n in [-151, 128] representable: the
// first product is exact (p * 2^-76 is still normal) and the second rounds once, also into
// the subnormals, so outputs below 2^-126 are rounded once, not flushed.
// About 12 vector operations on AVX3 (the degree-7 Taylor form with the two-step scale
// before it took about 22).
//
// Error: |r| <= ln2/2 + 1.5e-6 on the FMA targets (AVX3, AVX2), ln2/2 + 6.7e-6 without FMA
// (x * log2e rounded before n), inside the ln2/2 + 2e-5 the polynomial is fitted on; its own
// error is 0.0643 u (u = 2^-24); the rounding of r (<= 2^-26 absolute, i.e. relative in exp)
// and of Horner's steps add the rest before the final rounding. Measured exhaustively over
// every float in [-104, 89] against double exp (analyses/perf/exp_error_sweep.cpp, README
// there): max 0.9013 ulp for normal results (at x = -0x1.da1e0cp+5), max 0.8578 ulp (units of
// 2^-149) for subnormal results; 0.474 % of the results are not correctly rounded; 0 and +inf
// exactly where the correctly rounded result is 0 or +inf (AVX3 target).
// NaN propagates (x86 min/max return their second operand, the input, when it is NaN; the
// SCALAR target selects it back): the softmax fast path finds NaN rows from a NaN sum.
#if defined(SOFTCHECK_KERNELS_SIMD_EXP_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SOFTCHECK_KERNELS_SIMD_EXP_INL_H_
#undef SOFTCHECK_KERNELS_SIMD_EXP_INL_H_
#else
#define SOFTCHECK_KERNELS_SIMD_EXP_INL_H_
#endif

#include <type_traits>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace softcheck::kernels::simd::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The clamps: exp(x) rounds to +0 below ln(2^-150) = -103.97 and to +inf from
// ln((2 - 2^-24) 2^127) = 88.72 on.
inline constexpr float kExpLow = -105.0f;  // exp(-105) < 2^-150: rounds to +0
inline constexpr float kExpHigh = 89.0f;   // exp(89) > FLT_MAX + ulp/2: rounds to +inf
// n = (x log2e + kRoundingBias) - kRoundingBias = round-to-nearest-even(x log2e), |x log2e| < 2^22.
inline constexpr float kRoundingBias = 0x1.8p23f;
inline constexpr float kLog2e = 0x1.715476p+0f;   // RN_single(1 / ln 2)
inline constexpr float kLn2Hi = 0x1.63p-1f;       // ln 2 rounded to 9 bits: n kLn2Hi exact
inline constexpr float kLn2Lo = -0x1.BD0106p-13f;  // RN_single(ln 2 - kLn2Hi)
// exp(r) ~ c0 + r (c1 + r (c2 + ... + r c6)) on |r| <= ln2/2 + 2e-5: c0 = c1 = 1 and c2 = 1/2
// exact, c3..c6 the real minimax coefficients of the relative error (Remez, weight e^-r) each
// rounded to the nearest single, reproduced by proofs/exp_poly_simd.sollya: 0.0643 u
// (u = 2^-24) relative error before the arithmetic's roundings.
inline constexpr float kExpC0 = 1.0f;
inline constexpr float kExpC1 = 0x1.000000p+0f;
inline constexpr float kExpC2 = 0x1p-1f;
inline constexpr float kExpC3 = 0x1.5554a4p-3f;
inline constexpr float kExpC4 = 0x1.555688p-5f;
inline constexpr float kExpC5 = 0x1.122f82p-7f;
inline constexpr float kExpC6 = 0x1.6b6e46p-10f;
// binary32: 2^k for a normal k is the bit pattern (k + kExponentBias) << kFractionBits.
inline constexpr int kExponentBias = 127;
inline constexpr int kFractionBits = 23;

// The reduction and polynomial of exp(x) for a clamped x: n (a float holding an integer) and
// p ~ exp(x - n ln 2).
template <class D, class V = hn::Vec<D>>
HWY_INLINE void ExpParts(D d, V x, V& n, V& p) {
  const V bias = hn::Set(d, kRoundingBias);
  n = hn::Sub(hn::MulAdd(x, hn::Set(d, kLog2e), bias), bias);
  V r = hn::NegMulAdd(n, hn::Set(d, kLn2Hi), x);  // exact
  r = hn::NegMulAdd(n, hn::Set(d, kLn2Lo), r);
  V q = hn::Set(d, kExpC6);
  q = hn::MulAdd(q, r, hn::Set(d, kExpC5));
  q = hn::MulAdd(q, r, hn::Set(d, kExpC4));
  q = hn::MulAdd(q, r, hn::Set(d, kExpC3));
  q = hn::MulAdd(q, r, hn::Set(d, kExpC2));
  q = hn::MulAdd(q, r, hn::Set(d, kExpC1));
  p = hn::MulAdd(q, r, hn::Set(d, kExpC0));
}

// Where every lane's x lies in [kNormalLow, kNormalHigh], n = round(x log2e) is in
// [-126, 127] (-87 log2e = -125.5, 88 log2e = 126.96): 2^n is one normal power, the clamps
// change nothing, and p * 2^n rounds once (only a subnormal result rounds at all), exactly as
// the two-step product does, so both give the same bits.
inline constexpr float kNormalLow = -87.0f;
inline constexpr float kNormalHigh = 88.0f;

template <class D, class V = hn::Vec<D>>
HWY_INLINE V VecExp(D d, V x) {
  V n, p;
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  if constexpr (std::is_same_v<V, hn::Vec512<float>>) {
    ExpParts(d, hn::Max(hn::Set(d, kExpLow), hn::Min(hn::Set(d, kExpHigh), x)), n, p);
    return V{_mm512_scalef_ps(p.raw, n.raw)};  // p * 2^n, rounded once (also subnormal)
  }
#endif
  const hn::RebindToSigned<D> di;
  const auto bias_exponent = hn::Set(di, kExponentBias);
  const auto in_range = hn::And(hn::Ge(x, hn::Set(d, kNormalLow)), hn::Le(x, hn::Set(d, kNormalHigh)));
  if (HWY_LIKELY(hn::AllTrue(d, in_range))) {  // false for NaN lanes too
    ExpParts(d, x, n, p);
    const auto ni = hn::ConvertTo(di, n);
    return hn::Mul(p, hn::BitCast(d, hn::ShiftLeft<kFractionBits>(hn::Add(ni, bias_exponent))));
  }
  // NaN passes through both clamps on x86 (min/max return their second operand when either
  // is NaN); the one-lane SCALAR target's Min/Max drop NaNs, so it selects x back below.
  ExpParts(d, hn::Max(hn::Set(d, kExpLow), hn::Min(hn::Set(d, kExpHigh), x)), n, p);
  const auto ni = hn::ConvertTo(di, n);
  const auto n1 = hn::ShiftRight<1>(ni);  // arithmetic: floor(n / 2)
  const auto n2 = hn::Sub(ni, n1);
  const V scale1 = hn::BitCast(d, hn::ShiftLeft<kFractionBits>(hn::Add(n1, bias_exponent)));
  const V scale2 = hn::BitCast(d, hn::ShiftLeft<kFractionBits>(hn::Add(n2, bias_exponent)));
  const V result = hn::Mul(hn::Mul(p, scale1), scale2);
#if HWY_TARGET == HWY_SCALAR
  return hn::IfThenElse(hn::IsNaN(x), x, result);
#else
  return result;
#endif
}

// exp(a - b) with the rounding error of a - b recovered (TwoSum, in the form of
// fp::two_sum_error(a, -b, diff) with -b folded into the operations: t = (a - b) - fl(a - b)
// exactly) and applied to first order, exp(a - b) = exp(d) (1 + t) + O(t^2): no |a - b| u
// amplification. log_softmax and cross-entropy need it in their sums (their outputs at the
// maximum are about -s, so s must be accurate relative to itself, not only to 1 + s); nine
// more operations per vector, which softmax (whose contract has the gap term) does without.
// Infinite a or b (masked logits, an empty lane's -inf maximum) give a NaN t, dropped.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V ExpDiff(D d, V a, V b) {
  const V diff = hn::Sub(a, b);
  const V a_part = hn::Add(diff, b);
  const V b_part = hn::Sub(diff, a_part);  // about -b
  const V t = hn::Sub(hn::Sub(a, a_part), hn::Add(b, b_part));
  const V e = VecExp(d, diff);
  return hn::MulAdd(e, hn::IfThenZeroElse(hn::IsNaN(t), t), e);
}

// exp(a - b): ExpDiff when kAccurate, else the plain VecExp of the rounded difference.
template <bool kAccurate, class D, class V = hn::Vec<D>>
HWY_INLINE V ExpOf(D d, V a, V b) {
  if constexpr (kAccurate) {
    return ExpDiff(d, a, b);
  } else {
    return VecExp(d, hn::Sub(a, b));
  }
}

}  // namespace softcheck::kernels::simd::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // SOFTCHECK_KERNELS_SIMD_EXP_INL_H_
