// The exp building blocks of the kernels: the f32 degree-5 polynomial against its sollya
// bound over every float of the reduced interval (proofs/exp-poly-f32.md), the f64
// degree-11 polynomial on random arguments, exp_pair over the valid range and at special
// values, scaled_exp (no |a - b| amplification, no subnormal loss), and the compensated sum.
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <vector>

#include "core/rng.hpp"
#include "fp/compensated_sum.hpp"
#include "kernels/exp_pair.hpp"
#include "kernels/row.hpp"
#include "test_seed.hpp"

using namespace softcheck;
using namespace softcheck::kernels;
using softcheck::testing::scale;
using softcheck::testing::scaled;
using softcheck::testing::seed;

namespace {

using L = long double;

// sollya: supnorm(p, exp(x), I, relative, 2^-30), upper ends rounded up
// (proofs/exp_poly_f32.sollya prints them).
constexpr double kF32ApproxBound = 9.1841013e-8;   // I = [-ln2/2, ln2/2]
constexpr double kF32ApproxBoundWide = 9.2285e-8;  // I widened by 5.5e-5 (|x| <= 2^12)
constexpr double kF32ReductionExcess = 5.5e-5;     // see exp_pair.hpp
constexpr double kF64ApproxBound = 4.4947658e-18;  // I = [-ln2/2, ln2/2]
// Relative error of the polynomial as the kernels evaluate it (Horner with FMA in the working
// precision). f32: the maximum over every float of I (and of the widened interval), measured
// with SOFTCHECK_TEST_SCALE=64 (proofs/exp-poly-f32.md); the default run re-measures all
// floats with |r| >= 2^-10 and a sample below. f64: approximation + ~1 u of evaluation.
constexpr double kF32EvalBound = 1.5084e-7;
constexpr double kF64EvalBound = 1.5e-16;
const L kHalfLn2 = std::log(2.0L) / 2;

// The polynomial evaluated exactly enough (long double) with the stored coefficients.
template <class T>
L poly_exactly(L r) {
  const auto& c = ExpConstants<T>::kPoly;
  L q = c.back();
  for (std::size_t k = c.size() - 1; k-- > 0;) q = q * r + c[k];
  return 1 + q * r;
}

struct PolyErrors {
  double approx = 0;  // of the polynomial itself
  double eval = 0;    // of exp_poly<float> as the kernels evaluate it
};

void measure_f32(float r, PolyErrors& errors) {
  const L e = std::exp(static_cast<L>(r));
  errors.approx = std::max(errors.approx, double(std::fabs(poly_exactly<float>(r) - e) / e));
  errors.eval = std::max(errors.eval, double(std::fabs(exp_poly(r) - e) / e));
}

// Every float in [lo, hi] (0 < lo < hi) and its negative, every `step`-th one.
template <class Visit>
void for_floats(float lo, float hi, std::uint32_t step, Visit&& visit) {
  const auto first = std::bit_cast<std::uint32_t>(lo);
  const auto last = std::bit_cast<std::uint32_t>(hi);
  for (std::uint32_t bits = first; bits <= last; bits += step) {
    const float r = std::bit_cast<float>(bits);
    visit(r);
    visit(-r);
  }
}

}  // namespace

TEST_CASE("f32 exp polynomial: every float of [-ln2/2, ln2/2] within the sollya bound") {
  // |r| >= 2^-10 holds all the extrema of the error; below, where p(r) - exp(r) -> 0, every
  // 64th float by default, every float with SOFTCHECK_TEST_SCALE >= 64 (about a minute).
  float half_ln2 = static_cast<float>(kHalfLn2);  // the largest float <= ln2/2
  if (half_ln2 > kHalfLn2) half_ln2 = std::nextafter(half_ln2, 0.0f);
  const auto small_step = static_cast<std::uint32_t>(std::max(1.0, 64 / scale()));
  PolyErrors errors;
  for_floats(0x1p-10f, half_ln2, 1, [&](float r) { measure_f32(r, errors); });
  for_floats(std::numeric_limits<float>::denorm_min(), 0x1p-10f, small_step,
             [&](float r) { measure_f32(r, errors); });
  measure_f32(0.0f, errors);
  std::printf("f32 exp polynomial on [-ln2/2, ln2/2]: approximation %.6e, evaluated %.6e\n",
              errors.approx, errors.eval);
  CHECK(errors.approx <= kF32ApproxBound);
  CHECK(errors.approx > 0.99 * kF32ApproxBound);  // the bound is attained: it is the supnorm
  CHECK(errors.eval <= kF32EvalBound);

  // The arguments that |x| <= kRange reaches beyond ln2/2.
  PolyErrors wide;
  for_floats(half_ln2, static_cast<float>(kHalfLn2 + kF32ReductionExcess), 1,
             [&](float r) { measure_f32(r, wide); });
  CHECK(wide.approx <= kF32ApproxBoundWide);
  CHECK(wide.eval <= kF32EvalBound);
}

TEST_CASE("f64 exp polynomial within its sollya bound on random arguments") {
  Rng rng(derive_seed(seed(), 11));
  double approx = 0;
  double eval = 0;
  for (int i = 0; i < scaled(1'000'000); ++i) {
    // Half uniform on I, half concentrated near the ends where the error peaks.
    double r = rng.uniform(-1.0, 1.0) * double(kHalfLn2);
    if (i % 2) r = std::copysign(double(kHalfLn2) - std::ldexp(rng.uniform(), -8), r);
    const L e = std::exp(static_cast<L>(r));
    approx = std::max(approx, double(std::fabs(poly_exactly<double>(r) - e) / e));
    eval = std::max(eval, double(std::fabs(exp_poly(r) - e) / e));
  }
  std::printf("f64 exp polynomial on [-ln2/2, ln2/2]: approximation %.6e, evaluated %.6e\n", approx,
              eval);
  // long double evaluation and expl are good to ~2^-63, 3 % of the bound.
  CHECK(approx <= kF64ApproxBound + 0x1p-62);
  CHECK(eval <= kF64EvalBound);
}

TEMPLATE_TEST_CASE("exp_pair reconstructs exp(x) over [-kRange, kRange]", "", float, double) {
  using T = TestType;
  constexpr T range = ExpConstants<T>::kRange;
  // exp(x) must fit long double to be compared: |x| <= 11000 (the double range reaches 2^20).
  constexpr T compared = std::min(range, T(11000));
  // + the rounding of r = x - n*ln2 (|r| < 1/2, so at most ulp(1/2)/2 = epsilon/4).
  const double bound = (std::is_same_v<T, float> ? kF32EvalBound : kF64EvalBound) +
                       std::numeric_limits<T>::epsilon() / 4;
  Rng rng(derive_seed(seed(), 12));
  double worst = 0;
  for (int i = 0; i < scaled(300'000); ++i) {
    // Uniform over the range, and log-uniform magnitudes down to 2^-30.
    const T x = i % 2
                    ? static_cast<T>(rng.uniform(-compared, compared))
                    : static_cast<T>(std::ldexp(rng.uniform(-1.0, 1.0), -30 + int(rng.below(43))));
    const ExpPair<T> p = exp_pair(x);
    REQUIRE(p.exponent == std::nearbyint(p.exponent));
    const L got = std::ldexp(static_cast<L>(p.mantissa), static_cast<int>(p.exponent));
    const L e = std::exp(static_cast<L>(x));
    worst = std::max(worst, double(std::fabs(got - e) / e));
  }
  CHECK(worst <= bound);
  for (T x : {compared, -compared, T(0), T(-0.0)}) {
    const L e = std::exp(static_cast<L>(x));
    const ExpPair<T> p = exp_pair(x);
    CHECK(double(std::fabs(std::ldexp(static_cast<L>(p.mantissa), int(p.exponent)) - e) / e) <=
          bound);
  }
  for (T x : {range, -range}) {  // the ends: a mantissa in [exp(-ln2/2), exp(ln2/2)] (+ slack)
    const ExpPair<T> p = exp_pair(x);
    CHECK(p.mantissa >= T(0.7));
    CHECK(p.mantissa <= T(1.42));
    CHECK(p.exponent == std::nearbyint(x / std::log(T(2))));
  }
  // Special inputs never produce a NaN or an out-of-range exponent.
  const T inf = std::numeric_limits<T>::infinity();
  for (T x : {-inf, std::numeric_limits<T>::quiet_NaN(), -std::numeric_limits<T>::max(),
              std::numeric_limits<T>::lowest() / 2}) {
    const ExpPair<T> p = exp_pair(x);
    CHECK(p.mantissa == 0);
    CHECK(p.exponent >= kZeroPair<T>.exponent);
  }
  for (T x : {inf, std::numeric_limits<T>::max()}) {
    const ExpPair<T> p = exp_pair(x);
    CHECK(std::isfinite(p.mantissa));
    CHECK(p.exponent <= -kZeroPair<T>.exponent);
  }
}

TEMPLATE_TEST_CASE("scaled_exp has no |a - b| amplification and no subnormal loss", "", float,
                   double) {
  using T = TestType;
  // Gaps up to 110 (float) / 730 (double) reach past the subnormal threshold of exp, where
  // scaled_exp shifts the argument instead: kScale * exp(a - b) stays normal there.
  const int max_gap_log2 = std::is_same_v<T, float> ? 6 : 9;
  const double max_gap = std::is_same_v<T, float> ? 110 : 730;
  Rng rng(derive_seed(seed(), 13));
  double worst = 0;
  double worst_plain = 0;  // exp(a - b) as written, for contrast (normal results only)
  for (int i = 0; i < scaled(200'000); ++i) {
    const T b = static_cast<T>(rng.normal() * 30);
    const double gap =
        std::min(max_gap, std::ldexp(rng.uniform(), int(rng.below(max_gap_log2 + 2))));
    const T a = static_cast<T>(b - gap);
    const L e = std::exp(static_cast<L>(a) - static_cast<L>(b));  // exact difference
    const L scaled_e = e * static_cast<L>(kScale<T>);
    const L ulp_scaled = std::ldexp(static_cast<L>(std::numeric_limits<T>::epsilon()),
                                    std::ilogb(static_cast<T>(scaled_e)));
    worst = std::max(worst, double(std::fabs(scaled_exp(a, b) - scaled_e) / ulp_scaled));
    if (e >= std::numeric_limits<T>::min()) {
      const L ulp_e = ulp_scaled / static_cast<L>(kScale<T>);
      worst_plain = std::max(worst_plain, double(std::fabs(std::exp(a - b) - e) / ulp_e));
    }
  }
  std::printf("scaled_exp worst %.3f ulps (exp(a - b): %.1f ulps)\n", worst, worst_plain);
  CHECK(worst <= 1.25);    // exp's rounding and the correction's: 1 ulp + O(u)
  CHECK(worst_plain > 8);  // the amplification this removes is real
  // Masked and vanishing terms, and the maximum itself.
  const T inf = std::numeric_limits<T>::infinity();
  CHECK(scaled_exp(-inf, T(1)) == 0);
  CHECK(scaled_exp(T(1), inf) == 0);
  CHECK(scaled_exp(-std::numeric_limits<T>::max(), std::numeric_limits<T>::max()) == 0);
  CHECK(scaled_exp(T(2.5), T(2.5)) == kScale<T>);
}

TEMPLATE_TEST_CASE("compensated sums do not lose accuracy with n", "", float, double) {
  using T = TestType;
  Rng rng(derive_seed(seed(), 14));
  for (int trial = 0; trial < 10; ++trial) {
    fp::CompensatedSum<T> sum;
    T plain = 0;
    L exact = 0;
    for (int i = 0; i < 100'000; ++i) {
      const T v = static_cast<T>(std::exp(rng.normal() * 3));
      sum.add(v);
      plain += v;
      exact += v;
    }
    const double u = std::numeric_limits<T>::epsilon() / 2;
    CHECK(double(std::fabs(sum.value() - exact) / exact) <= 2 * u);
    if (std::is_same_v<T, float>) CHECK(double(std::fabs(plain - exact) / exact) > 2 * u);
  }
}
