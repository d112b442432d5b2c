// The fast reference paths of the softmax backward ops (backward_reference.hpp): see
// fast_row.hpp (fast_softmax_backward_row, fast_log_softmax_backward_row) and
// proofs/fast-reference.md ("Backward ops").
//
//   softmax_backward:     out_i = y_i (dy_i - s),  s = sum_j y_j dy_j  (TwoProd: exact terms)
//   log_softmax_backward: out_i = dy_i - exp(y_i) S,  S = sum_j dy_j
// in double-double with absolute error bounds; the sums' bounds count every addition against
// the partial sum it makes. A row with a NaN or an infinity, or a sum whose sign is in doubt,
// goes to MPFR whole; an output too close to zero or to a rounding boundary goes alone, and
// MPFR's exact rational arithmetic and signed-zero rules decide it from the row's exact sum.
#include <algorithm>
#include <cmath>
#include <vector>

#include "fp/constants.hpp"
#include "fp/double_double.hpp"
#include "fp/two_sum.hpp"
#include "reference/fast_decide.hpp"
#include "reference/fast_exp.hpp"
#include "reference/fast_row.hpp"

namespace softcheck::reference {
namespace {

using namespace fast;

// A result is decided here only when its bound is within this fraction of its value, so that
// exact_lo (the remainder, which carries the bound's error) agrees with MPFR's to 2^-80
// relative, as tests/unit/reference_fast_row.cpp requires of every fast path; cancellation
// beyond that (an output far below the terms of its sums) goes to MPFR.
constexpr double kMaxRelativeBound = 0x1p-80;
// Absolute slack per operation whose low part (or TwoProd's error term) may fall into
// double's subnormal range: a few 2^-1074 (fast_decide.hpp's kUnderflowSlack = 2^-1066).
constexpr double kOperationSlack = kUnderflowSlack;
// exp(y) for y in [kExpLow, 0] (fast_exp's domain with margin); other y go to MPFR.
constexpr double kExpLow = -745.0;

bool all_finite(std::span<const double> v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

// kOperationSlack where a multiplication's result lies below 2^-960 (additions lose nothing
// to underflow: TwoSum is exact in gradual underflow).
double product_slack(Dd product) {
  return std::fabs(product.hi) < fp::kDdNormalFloor ? kOperationSlack : 0.0;
}

// sum_j terms_j of double-doubles exact but for product_slack, and an absolute bound: every
// AccurateDWPlusDW within 3.0001 u^2 of its exact result, i.e. of the partial sum it makes
// (|computed| (1 + 2^-50) bounds that; the partial sums' magnitudes added in double, within
// n u of their value: inflated by 1 + 2^-30 for rows below 2^22 elements).
struct BoundedSum {
  Dd value;
  double bound;
};
template <class Term>
std::optional<BoundedSum> bounded_sum(std::size_t n, Term term) {
  Dd sum{0, 0};
  double partials = 0, slack = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const Dd t = term(j);
    sum = dd::add(sum, t);
    partials += std::fabs(sum.hi);
    slack += product_slack(t);
  }
  if (n >= (std::size_t{1} << 22) || !std::isfinite(partials)) return std::nullopt;
  const double bound =
      (dd::kAddDdBound * kU2 * partials * (1 + 0x1p-30) * (1 + 0x1p-50) + slack) * kBoundSlack;
  return BoundedSum{sum, bound};
}

// y_i (dy_i - s), or nothing when d_i's sign is in doubt or the output is not decided.
std::optional<Exact> softmax_backward_output(double y, double dy, const BoundedSum& s,
                                             Format format) {
  const Dd d = dd::add(Dd{dy, 0.0}, dd::negate(s.value));  // dy_i - s
  const double d_bound = s.bound + relative_bound(d, dd::kAddDdBound * kU2);
  if (!(std::fabs(d.hi) > d_bound)) return std::nullopt;  // d_i's sign in doubt
  if (y == 0.0) {  // an exact zero with the xor of the signs (IEEE)
    const double zero = std::signbit(y) != std::signbit(d.hi) ? -0.0 : 0.0;
    return Exact{zero, zero, 0.0};
  }
  const Dd product = dd::mul(d, y);  // DWTimesFP3, 2 u^2
  const double bound = std::fabs(y) * d_bound * (1 + 0x1p-50) + relative_bound(product, 2 * kU2) +
                       product_slack(product);
  if (!(bound <= kMaxRelativeBound * std::fabs(product.hi))) return std::nullopt;
  return decide(product, 0.0, bound, format);
}

// dy_i - e^y_i S for S settled (|S| > its bound; log2_S_upper >= log2 |S| + 1), or nothing
// when the output is not decided (or y_i > 0, or a zero dy_i beside e^y_i S = +-0).
std::optional<Exact> log_softmax_backward_output(double y, double dy, const BoundedSum& S,
                                                 double log2_S_upper, Format format) {
  if (y == -HUGE_VAL) {  // p_i = +-0: dy_i itself, unless dy_i is a zero (sign rules)
    if (dy == 0.0) return std::nullopt;
    return Exact{dy, dy, 0.0};
  }
  if (y < kExpLow && dy != 0.0) {
    // e^y_i |S| <= 2^(y_i / ln 2 + 2 + log2 |S|) (+ 1 for this test's rounding), far below
    // dy_i's last bit: out_i = dy_i - p_i rounds as dy_i (a value of the format), the side of
    // the exact value being -sign(S).
    const double log2_p = y / std::log(2.0) + 3 + log2_S_upper;
    if (!(log2_p < -1080)) return std::nullopt;
    return decide({dy, 0.0}, 0.0, std::ldexp(1.0, -1080), format, S.value.hi > 0 ? -1 : +1);
  }
  if (!(y >= kExpLow && y <= 0.0)) return std::nullopt;
  // e^y_i S: fast_exp (20 u^2) times S (DWTimesDW3, 4 u^2), S's own bound carried by e^y_i.
  const ScaledDd e = fast_exp({y, 0.0});
  const Dd product = dd::ldexp(dd::mul(e.m, S.value), e.exponent);
  const double e_upper = std::ldexp(e.m.hi, e.exponent) * (1 + 0x1p-50);
  const double product_bound = relative_bound(product, kFastExpError + 4 * kU2) +
                               e_upper * S.bound + product_slack(product);
  const Dd value = dd::add(Dd{dy, 0.0}, dd::negate(product));
  const double bound = product_bound + relative_bound(value, dd::kAddDdBound * kU2);
  if (!(bound <= kMaxRelativeBound * std::fabs(value.hi))) return std::nullopt;
  return decide(value, 0.0, bound, format);
}

}  // namespace

std::optional<PartialRow> fast_softmax_backward_row(std::span<const double> y,
                                                    std::span<const double> dy, Format format) {
  const std::size_t n = y.size();
  if (n == 0 || dy.size() != n || !all_finite(y) || !all_finite(dy)) return std::nullopt;
  const auto s = bounded_sum(n, [&](std::size_t j) { return fp::two_prod(y[j], dy[j]); });
  if (!s) return std::nullopt;
  PartialRow out{std::vector<Exact>(n), {}};
  for (std::size_t i = 0; i < n; ++i) {
    const auto e = softmax_backward_output(y[i], dy[i], *s, format);
    if (e) out.values[i] = *e;
    else out.undecided.push_back(i);
  }
  return out;
}

std::optional<PartialRow> fast_log_softmax_backward_row(std::span<const double> y,
                                                        std::span<const double> dy,
                                                        Format format) {
  const std::size_t n = y.size();
  // y_i = -inf (a masked position) is allowed: e_i = +0.
  const bool y_ok = std::all_of(y.begin(), y.end(), [](double v) { return v < HUGE_VAL; });
  if (n == 0 || dy.size() != n || !y_ok || !all_finite(dy)) return std::nullopt;
  const auto S = bounded_sum(n, [&](std::size_t j) { return Dd{dy[j], 0.0}; });
  if (!S || !(std::fabs(S->value.hi) > S->bound)) return std::nullopt;  // S = 0 in doubt
  const double log2_S_upper = std::log2(std::fabs(S->value.hi) + S->bound) + 1;
  PartialRow out{std::vector<Exact>(n), {}};
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = log_softmax_backward_output(y[i], dy[i], *S, log2_S_upper, format);
    if (r) out.values[i] = *r;
    else out.undecided.push_back(i);
  }
  return out;
}

}  // namespace softcheck::reference
