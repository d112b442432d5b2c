#include "taylor_radius/spread.hpp"

#include <cmath>
#include <limits>

#include "fp/two_sum.hpp"

namespace softcheck::taylor_radius {
namespace {

template <typename T>
struct MinMax {
  T lo, hi;
  bool nan;
};

// kLanes independent accumulators per pass: no loop-carried dependency on one register, so
// the compiler vectorises the loop (a single running min/max does not vectorise without
// -ffinite-math-only). The comparisons ignore NaN; a NaN is kept instead in a third
// accumulator of the same type, by a select (v != v ? v : bad): every lane operation is then
// a compare-and-blend of one type, which GCC vectorises (an int flag per lane defeats it and
// halves the f32 throughput, analyses/perf/radius_throughput.cpp). 16 lanes measured best.
constexpr std::size_t kLanes = 16;

template <typename T>
MinMax<T> min_max(std::span<const T> a) {
  T lo[kLanes], hi[kLanes], bad[kLanes];  // bad[j]: 0, or a NaN seen in lane j
  for (std::size_t j = 0; j < kLanes; ++j)
    lo[j] = std::numeric_limits<T>::infinity(), hi[j] = -lo[j], bad[j] = 0;
  std::size_t i = 0;
  for (; i + kLanes <= a.size(); i += kLanes)
    for (std::size_t j = 0; j < kLanes; ++j) {
      const T v = a[i + j];
      bad[j] = v != v ? v : bad[j];
      lo[j] = v < lo[j] ? v : lo[j];
      hi[j] = v > hi[j] ? v : hi[j];
    }
  MinMax<T> m{lo[0], hi[0], false};
  for (std::size_t j = 0; j < kLanes; ++j) {
    m.nan |= std::isnan(bad[j]);
    m.lo = lo[j] < m.lo ? lo[j] : m.lo;
    m.hi = hi[j] > m.hi ? hi[j] : m.hi;
  }
  for (; i < a.size(); ++i) {
    const T v = a[i];
    m.nan |= std::isnan(v);
    m.lo = v < m.lo ? v : m.lo;
    m.hi = v > m.hi ? v : m.hi;
  }
  return m;
}

// hi - lo rounded up: TwoSum gives the exact error of the rounded difference; a positive
// error means the rounded value is below the exact one, so it moves up one ulp.
template <typename T>
T difference_up(T hi, T lo) {
  const T s = hi - lo;
  if (!std::isfinite(s)) return s;
  const T error = fp::two_sum_error(-lo, hi, s);  // s + error == hi - lo exactly
  return error > 0 ? std::nextafter(s, std::numeric_limits<T>::infinity()) : s;
}

template <typename T>
T spread_up_impl(std::span<const T> a) {
  if (a.size() <= 1) return a.size() == 1 && std::isnan(a[0]) ? a[0] : T(0);
  const MinMax<T> m = min_max(a);
  if (m.nan) return std::numeric_limits<T>::quiet_NaN();
  if (std::isinf(m.hi) || std::isinf(m.lo))  // an infinite direction: infinite spread
    return m.hi == m.lo ? T(0) : std::numeric_limits<T>::infinity();
  return difference_up(m.hi, m.lo);
}

// p / d rounded down, p, d > 0: the FMA gives the exact remainder p - q d of the rounded
// quotient q; a negative remainder means q is above p / d.
template <typename T>
T quotient_down(T p, T d) {
  if (std::isnan(d)) return d;
  if (d == 0) return std::numeric_limits<T>::infinity();
  if (std::isinf(d)) return T(0);
  const T q = p / d;
  if (std::isinf(q)) return std::numeric_limits<T>::max();
  if (q < std::numeric_limits<T>::min()) return std::nextafter(q, T(0));  // FMA remainder may be inexact
  const T remainder = std::fma(-q, d, p);
  return remainder < 0 ? std::nextafter(q, T(0)) : q;
}

}  // namespace

double spread_up(std::span<const double> a) { return spread_up_impl(a); }
float spread_up(std::span<const float> a) { return spread_up_impl(a); }

double rho_a_from_spread(double spread) { return quotient_down(kPiDown64, spread); }
float rho_a_from_spread(float spread) { return quotient_down(kPiDown32, spread); }

double rho_a(std::span<const double> a) { return rho_a_from_spread(spread_up(a)); }
float rho_a(std::span<const float> a) { return rho_a_from_spread(spread_up(a)); }

}  // namespace softcheck::taylor_radius
