// The fast reference paths of the attention normalisers (normaliser_reference.cpp): see
// fast_row.hpp (fast_sigmoid_normaliser_row, fast_softplus_normaliser_row) and
// proofs/fast-reference.md ("Normalisers").
//
//   sigmoid:  out_j = 1 / (1 + n e^(-x_j)) (x_j >= 0),  e^(x_j) / (e^(x_j) + n) (x_j < 0)
//   softplus: out_j = sp(x_j) / sum_k sp(x_k),  sp(x) = x + log1p(e^-x) (x > 0),
//             e^x g(e^x) (x <= 0) with g(t) = log1p(t) / t in [ln 2, 1]
// Each value with a relative bound; softplus's terms are kept as m 2^k so that the ratios of
// terms far below double's range are decided too. Rows the bounds cannot settle, and
// softplus rows with a NaN or +inf (or only -inf), go to MPFR.
#include <algorithm>
#include <cmath>
#include <vector>

#include "fp/constants.hpp"
#include "fp/double_double.hpp"
#include "reference/fast_decide.hpp"
#include "reference/fast_exp.hpp"
#include "reference/fast_row.hpp"
#include "reference/fast_terms.hpp"

namespace softcheck::reference {
namespace {

using namespace fast;

// Relative error of a double-double whose low part may have lost bits to double's subnormal
// range (below 2^-960): the absolute kUnderflowSlack relative to values >= 2^-1075.5 is
// unbounded, so such values are kept scaled (m 2^k) and this covers the scaled arithmetic.
constexpr double kScaledSlack = 0x1p-100;

// g(t) = log1p(t) / t for t = m 2^k in (0, 1] (relative bound): the series
// 1 - t/2 + t^2/3 - t^3/4 + t^4/5 below 2^-20 (truncation < t^5/6 < 2^-100 relative), else
// log1p_bounded(t) / t (DWDivDW2).
struct WithRelative {
  Dd value;
  double relative;
};
std::optional<WithRelative> log1p_ratio(ScaledDd t) {
  if (t.exponent < -20 || (t.exponent == -20 && t.m.hi < 1.0)) {
    const Dd s = dd::ldexp(t.m, std::max(t.exponent, -600));  // t, or a stand-in far below
    // Below 2^-600 the true t only moves g by less than 2^-600: inside the slack.
    return WithRelative{log1p_ratio_series(s), 64 * kU2 + kScaledSlack};
  }
  const Dd value = dd::ldexp(t.m, t.exponent);
  const double bound = relative_bound(value, kFastExpError);
  const auto log = log1p_bounded(value, bound, dd::add(value, 1.0),
                                 bound + relative_bound(dd::add(value, 1.0), 2 * kU2));
  if (!log) return std::nullopt;
  return WithRelative{dd::div(log->value, value),
                 log->bound / log->value.hi + kFastExpError + 15 * kU2 + 0x1p-104};
}

}  // namespace

std::optional<LossReference> fast_sigmoid_normaliser_row(std::span<const double> x,
                                                         Format format) {
  const std::size_t count = x.size();
  if (count == 0 || count >= (std::size_t{1} << 40)) return std::nullopt;
  const double n = static_cast<double>(count);  // exact
  LossReference row{{NAN, NAN, 0.0}, std::vector<Exact>(count)};
  for (std::size_t i = 0; i < count; ++i) {
    const double v = x[i];
    if (std::isnan(v) || std::isinf(v)) {  // NaN -> NaN, +inf -> 1, -inf -> 0, exactly
      const double out = std::isnan(v) ? v : v > 0 ? 1.0 : 0.0;
      row.gradient[i] = {out, out, 0.0};
      continue;
    }
    const double a = -std::fabs(v);
    if (a < kExpDomain + 5 && v >= 0) {  // e^a < 2^-1075: n e^a below 2^-1034
      row.gradient[i] = {1.0, 1.0, 0.0};  // 1 / (1 + n e^-v): 1 less far below its last bit
      continue;
    }
    if (a < kExpDomain) {  // e^v / (e^v + n) <= e^v < 2^-1082: +0 in double and every format
      row.gradient[i] = kZero;
      continue;
    }
    const ScaledDd e = fast_exp({a, 0.0});
    const Dd E = dd::ldexp(e.m, e.exponent);  // may lose low bits below 2^-960: slack
    std::optional<Exact> out;
    if (v >= 0) {
      const Dd w = dd::add(dd::mul(E, n), 1.0);  // 1 + n e^-v: DWTimesFP3, DWPlusFP
      out = decide_scaled(dd::div({1.0, 0.0}, w), 0,
                          kFastExpError + 4 * kU2 + 15 * kU2 + kScaledSlack, format);
    } else {
      const Dd w = dd::add(E, n);  // e^v + n: E's error at most its own relative share
      out = decide_scaled(dd::mul(e.m, dd::div({1.0, 0.0}, w)), e.exponent,
                          2 * kFastExpError + 2 * kU2 + 20 * kU2 + kScaledSlack, format);
    }
    if (!out) return std::nullopt;
    row.gradient[i] = *out;
  }
  return row;
}

std::optional<LossReference> fast_softplus_normaliser_row(std::span<const double> x,
                                                          Format format) {
  const std::size_t n = x.size();
  struct Term {
    ScaledDd value;  // sp(x_j) = m 2^k
    double relative = 0;
    bool masked = false;
    bool tiny = false;  // x_j < -750: sp(x_j) < e^x_j < 2^-1082, value unknown
  };
  std::vector<Term> terms(n);
  int top = -100000;  // the largest term's exponent
  bool any = false;
  for (std::size_t j = 0; j < n; ++j) {
    const double v = x[j];
    if (v == -HUGE_VAL) {
      terms[j].masked = true;
      continue;
    }
    if (!std::isfinite(v)) return std::nullopt;  // NaN, +inf: MPFR's special rows
    Term& t = terms[j];
    if (v < kExpDomain) {
      t.tiny = true;
      continue;
    }
    any = true;
    if (v > 0) {  // v + log1p(e^-v)
      if (v > 700) {  // log1p(e^-v) < 2^-1009: v itself, within 2^-1009 / v relative
        t.value = {{v, 0.0}, 0};
        t.relative = 0x1p-1000;
      } else {
        const ScaledDd e = fast_exp({-v, 0.0});
        const auto log = log1p_of_exp(dd::ldexp(e.m, e.exponent));
        if (!log) return std::nullopt;
        const Dd sum = dd::add(log->value, v);  // both >= 0
        t.value = {sum, 0};
        t.relative = (log->bound + relative_bound(sum, 2 * kU2)) / sum.hi;
      }
    } else {  // e^v g(e^v)
      const ScaledDd e = fast_exp({v, 0.0});
      const auto g = log1p_ratio(e);
      if (!g) return std::nullopt;
      t.value = {dd::mul(e.m, g->value), e.exponent};
      t.relative = kFastExpError + g->relative + 4 * kU2;
    }
    top = std::max(top, t.value.exponent + exponent_of(t.value.m.hi));
  }
  if (!any) return std::nullopt;
  // The sum scaled by 2^-top (every term <= ~2); terms below 2^-1000 of it join as absolute
  // error (each < 2^(k + 2 - top)), with the sum's relative bound.
  Dd sum{0, 0};
  double left_out = 0, sum_relative = 0;
  for (const Term& t : terms) {
    if (t.masked) continue;
    if (t.tiny) {  // < 2^-1082, scaled by 2^-top (at least the smallest subnormal)
      left_out += std::ldexp(1.0, std::max(-1082 - top, -1074));
      continue;
    }
    const int shift = t.value.exponent - top;
    if (shift + exponent_of(t.value.m.hi) < -1000) {
      left_out += std::ldexp(1.0, std::max(shift + exponent_of(t.value.m.hi) + 2, -1074));
      continue;
    }
    sum = dd::add(sum, dd::ldexp(t.value.m, shift));
    sum_relative = std::max(sum_relative, t.relative);
  }
  sum_relative += (n + 2) * dd::kAddDdBound * kU2 + left_out / sum.hi + kScaledSlack;
  const Dd inverse = dd::div({1.0, 0.0}, sum);
  LossReference row{{NAN, NAN, 0.0}, std::vector<Exact>(n, kZero)};  // masked: +0
  for (std::size_t j = 0; j < n; ++j) {
    const Term& t = terms[j];
    if (t.masked) continue;
    if (t.tiny) {
      // sp(x_j) / sum < 2^-1082 / sum: +0 when the sum is at least 2^-6 (below 2^-1076).
      const double sum_lower = std::ldexp(sum.hi * (1 - 2 * sum_relative), top);
      if (!(sum_lower >= 0x1p-6)) return std::nullopt;
      continue;
    }
    const auto out = decide_scaled(dd::mul(t.value.m, inverse), t.value.exponent - top,
                                   t.relative + sum_relative + 20 * kU2, format);
    if (!out) return std::nullopt;
    row.gradient[j] = *out;
  }
  return row;
}

}  // namespace softcheck::reference
