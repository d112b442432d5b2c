// The softmax backward references (backward_reference.hpp: formulas and special values).
//
// Exact arithmetic in MPFR: a finite double is exact at 53 bits, a product of two at 106;
// a sum or difference is exact at a precision that spans its operands' bits (exact_sum,
// exact_difference below); a rounding to a format is one call to round_to_format. Only
// exp(y_i) in log_softmax_backward is enclosed (interval.hpp) and decided by Ziv's loop.
#include "reference/backward_reference.hpp"

#include <mpfr.h>

#include <algorithm>
#include <bit>
#include <boost/multiprecision/mpfr.hpp>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include "reference/decider.hpp"
#include "reference/fast_row.hpp"
#include "reference/interval.hpp"
#include "reference/mpfr_rounding.hpp"
#include "reference/ziv.hpp"
#include "fp/constants.hpp"

namespace softcheck::reference {
namespace {

using boost::multiprecision::mpfr_float;

constexpr mpfr_prec_t kDoubleBits = 53;        // a finite double, exactly
constexpr mpfr_prec_t kProductBits = 2 * 53;   // the product of two doubles, exactly
// Bits of the remainder exact - exact_hi kept before its rounding to double: more than
// double's 53, so the double-double exact value carries ~106 correct bits.
constexpr mpfr_prec_t kRemainderBits = 64;

void check_lengths(std::span<const double> y, std::span<const double> dy) {
  if (y.size() != dy.size())
    throw std::invalid_argument("softcheck reference: y and dy differ in length");
}

// The range of bit positions of a finite nonzero MPFR value x: |x| < 2^top, and x is a
// multiple of 2^bottom.
struct BitRange {
  mpfr_exp_t top;
  mpfr_exp_t bottom;
};

BitRange bit_range(mpfr_srcptr x) {
  const mpfr_exp_t top = mpfr_get_exp(x);
  return {top, top - static_cast<mpfr_exp_t>(mpfr_min_prec(x))};
}

// Precision that holds any sum of `count` values within `range` exactly: the sum is a
// multiple of 2^bottom below count * 2^top.
mpfr_prec_t exact_sum_bits(BitRange range, std::size_t count) {
  const auto carry = static_cast<mpfr_exp_t>(std::bit_width(count));
  return static_cast<mpfr_prec_t>(range.top - range.bottom + carry + 1);
}

BitRange merge(BitRange a, BitRange b) {
  return {std::max(a.top, b.top), std::min(a.bottom, b.bottom)};
}

// The zero an exact sum of `terms` gives when it is zero, IEEE 754 (section 6.3): -0 only
// when every term is -0.
bool sum_zero_is_negative(const std::vector<mpfr_float>& terms) {
  return !terms.empty() && std::all_of(terms.begin(), terms.end(), [](const mpfr_float& t) {
    return mpfr_zero_p(t.backend().data()) && mpfr_signbit(t.backend().data());
  });
}

// out = the exact sum of the finite `terms`, with IEEE's sign when it is zero.
void exact_sum(mpfr_float& out, std::vector<mpfr_float>& terms) {
  std::vector<mpfr_ptr> nonzero;
  BitRange range{0, 0};
  for (auto& t : terms) {
    mpfr_ptr p = t.backend().data();
    if (mpfr_zero_p(p)) continue;
    range = nonzero.empty() ? bit_range(p) : merge(range, bit_range(p));
    nonzero.push_back(p);
  }
  mpfr_ptr sum = out.backend().data();
  if (nonzero.empty()) {
    mpfr_set_prec(sum, kDoubleBits);
    mpfr_set_zero(sum, sum_zero_is_negative(terms) ? -1 : 1);
    return;
  }
  mpfr_set_prec(sum, exact_sum_bits(range, nonzero.size()));
  if (mpfr_sum(sum, nonzero.data(), nonzero.size(), MPFR_RNDN) != 0)
    throw std::logic_error("softcheck reference: inexact sum in backward_reference");
  if (mpfr_zero_p(sum)) mpfr_set_zero(sum, 1);  // nonzero terms cancelling: +0
}

// out = a - b exactly for finite a, b; zero signs as IEEE: -0 only for (-0) - (+0).
void exact_difference(mpfr_float& out, mpfr_srcptr a, mpfr_srcptr b) {
  mpfr_ptr d = out.backend().data();
  if (mpfr_zero_p(a) && mpfr_zero_p(b)) {
    mpfr_set_prec(d, kDoubleBits);
    mpfr_set_zero(d, mpfr_signbit(a) && !mpfr_signbit(b) ? -1 : 1);
    return;
  }
  mpfr_prec_t bits;
  if (mpfr_zero_p(a)) {
    bits = mpfr_get_prec(b);
  } else if (mpfr_zero_p(b)) {
    bits = mpfr_get_prec(a);
  } else {
    bits = exact_sum_bits(merge(bit_range(a), bit_range(b)), 2);
  }
  mpfr_set_prec(d, bits);
  if (mpfr_sub(d, a, b, MPFR_RNDN) != 0)
    throw std::logic_error("softcheck reference: inexact difference in backward_reference");
  if (mpfr_zero_p(d)) mpfr_set_zero(d, 1);  // a == b, nonzero: +0
}

// out = y * a exactly for a finite double y and a finite a; a zero has the xor of the signs.
void exact_product(mpfr_float& out, double y, mpfr_srcptr a) {
  mpfr_ptr p = out.backend().data();
  mpfr_set_prec(p, mpfr_get_prec(a) + kDoubleBits);
  if (mpfr_mul_d(p, a, y, MPFR_RNDN) != 0)
    throw std::logic_error("softcheck reference: inexact product in backward_reference");
  if (mpfr_zero_p(p)) mpfr_set_zero(p, std::signbit(y) != (mpfr_signbit(a) != 0) ? -1 : 1);
}

// Rounds exact values (finite or not) into Exact: the format's rounding, the double nearest
// the value and the remainder below it.
class ExactRounder {
 public:
  explicit ExactRounder(Format format) : format_(format) {
    mpfr_set_prec(scratch_.backend().data(), kRoundingScratchBits);
    mpfr_set_prec(rest_.backend().data(), kRemainderBits);
  }

  Exact operator()(mpfr_srcptr exact) {
    mpfr_ptr scratch = scratch_.backend().data();
    const double rounded = round_to_format(exact, format_, scratch);
    const double hi = format_ == Format::f64 ? rounded : round_to_format(exact, Format::f64, scratch);
    if (!std::isfinite(hi) || hi == 0.0) return {rounded, hi, 0.0};
    mpfr_ptr rest = rest_.backend().data();
    mpfr_sub_d(rest, exact, hi, MPFR_RNDN);
    return {rounded, hi, round_to_format(rest, Format::f64, scratch)};
  }

 private:
  Format format_;
  mpfr_float scratch_;
  mpfr_float rest_;
};

void set_double(mpfr_float& out, double x) {
  mpfr_set_prec(out.backend().data(), kDoubleBits);
  mpfr_set_d(out.backend().data(), x, MPFR_RNDN);  // exact (keeps the sign of a zero)
}

std::vector<Exact> all_nan(std::size_t n) { return std::vector<Exact>(n, exactly(fp::kNaN<double>)); }

// A signed infinity (sign < 0: -inf), or NaN for sign 0 (an undefined product or sum).
double signed_inf(int sign) { return sign == 0 ? fp::kNaN<double> : (sign > 0 ? fp::kInf<double> : -fp::kInf<double>); }

int sign_of(double x) { return std::signbit(x) ? -1 : 1; }

// ---- softmax_backward -------------------------------------------------------------------

// What s = <y, dy> is in extended-real arithmetic: NaN, +-inf, or finite (computed exactly).
enum class SumKind { nan, pos_inf, neg_inf, finite };

SumKind classify_dot(std::span<const double> y, std::span<const double> dy) {
  bool pos = false, neg = false;
  for (std::size_t j = 0; j < y.size(); ++j) {
    if (std::isnan(y[j]) || std::isnan(dy[j])) return SumKind::nan;
    if (!std::isinf(y[j]) && !std::isinf(dy[j])) continue;
    if (y[j] == 0.0 || dy[j] == 0.0) return SumKind::nan;  // inf * 0
    (sign_of(y[j]) * sign_of(dy[j]) > 0 ? pos : neg) = true;
  }
  if (pos && neg) return SumKind::nan;  // inf - inf
  if (pos) return SumKind::pos_inf;
  if (neg) return SumKind::neg_inf;
  return SumKind::finite;
}

// out_i when s = sigma * inf: d_i = dy_i - s, then y_i * d_i in extended reals.
double softmax_backward_infinite(double y, double dy, int sigma) {
  int d_sign = -sigma;                              // finite dy_i - sigma inf
  if (std::isinf(dy)) d_sign = sign_of(dy) == sigma ? 0 : -sigma;  // inf - inf: NaN
  if (d_sign == 0 || y == 0.0) return fp::kNaN<double>;        // NaN, or 0 * inf
  return signed_inf(sign_of(y) * d_sign);
}

// The outputs at `indices` into `result`, for a row of finite values.
void softmax_backward_finite(std::span<const double> y, std::span<const double> dy, Format format,
                             const std::vector<std::size_t>& indices, std::vector<Exact>& result) {
  const std::size_t n = y.size();
  std::vector<mpfr_float> products(n);
  for (std::size_t j = 0; j < n; ++j) {
    mpfr_ptr p = products[j].backend().data();
    mpfr_set_prec(p, kProductBits);
    mpfr_set_d(p, y[j], MPFR_RNDN);
    mpfr_mul_d(p, p, dy[j], MPFR_RNDN);  // exact at 106 bits; a zero gets the xor of signs
  }
  mpfr_float s;
  exact_sum(s, products);
  products.clear();

  ExactRounder round(format);
  mpfr_float dy_i, d, out;
  for (std::size_t i : indices) {
    set_double(dy_i, dy[i]);
    exact_difference(d, dy_i.backend().data(), s.backend().data());
    exact_product(out, y[i], d.backend().data());
    result[i] = round(out.backend().data());
  }
}

std::vector<std::size_t> every_index(std::size_t n) {
  std::vector<std::size_t> indices(n);
  for (std::size_t i = 0; i < n; ++i) indices[i] = i;
  return indices;
}

// ---- log_softmax_backward ---------------------------------------------------------------

// What S = sum dy is: NaN, +-inf, or finite.
SumKind classify_sum(std::span<const double> dy) {
  bool pos = false, neg = false;
  for (double v : dy) {
    if (std::isnan(v)) return SumKind::nan;
    if (v == fp::kInf<double>) pos = true;
    if (v == -fp::kInf<double>) neg = true;
  }
  if (pos && neg) return SumKind::nan;
  if (pos) return SumKind::pos_inf;
  if (neg) return SumKind::neg_inf;
  return SumKind::finite;
}

// Whether exp(y) rounds to +0 in `accumulation`: exp(y) < denorm_min / 2, i.e.
// y < (log2(denorm_min) - 1) ln 2 (exp(y) of a finite double is never exactly that tie).
// The threshold is irrational and a double cannot lie within 2^-200 of it at this magnitude,
// so a 256-bit comparison decides.
bool exp_rounds_to_zero(double y, Format accumulation) {
  if (y == -fp::kInf<double>) return true;
  const int log2_half_denorm = std::ilogb(denorm_min(accumulation)) - 1;
  mpfr_t threshold;
  mpfr_init2(threshold, 256);
  mpfr_const_log2(threshold, MPFR_RNDN);
  mpfr_mul_si(threshold, threshold, log2_half_denorm, MPFR_RNDN);
  const bool below = mpfr_cmp_d(threshold, y) > 0;
  mpfr_clear(threshold);
  return below;
}

// out_i when S = sigma * inf (y_i not NaN): p_i = e_i * S, then dy_i - p_i, with e_i as it
// rounds in the accumulation format (see the header).
double log_softmax_backward_infinite(double y, double dy, int sigma, Format accumulation) {
  if (exp_rounds_to_zero(y, accumulation)) return fp::kNaN<double>;  // e_i = 0: 0 * inf
  // e_i > 0: p_i = sigma * inf; dy_i - p_i is NaN for dy_i = p_i, else -sigma * inf.
  if (std::isinf(dy) && sign_of(dy) == sigma) return fp::kNaN<double>;
  return signed_inf(-sigma);
}

// The log-softmax backward row for a finite S: the exact cases here, the rest by Ziv; the
// outputs at `indices` into `result` (whose other outputs it leaves alone).
class LogSoftmaxBackwardRow {
 public:
  LogSoftmaxBackwardRow(std::span<const double> y, std::span<const double> dy, Format format,
                        std::vector<Exact>& result)
      : y_(y), dy_(dy), format_(format), decider_(format), result_(result) {
    std::vector<mpfr_float> terms(dy.size());
    for (std::size_t j = 0; j < dy.size(); ++j) set_double(terms[j], dy[j]);
    exact_sum(sum_, terms);
  }

  void run(const ReferenceOptions& schedule, const std::vector<std::size_t>& indices) {
    ExactRounder round(format_);
    mpfr_srcptr S = sum_.backend().data();
    const bool s_zero = mpfr_zero_p(S) != 0;
    const int s_sign = mpfr_signbit(S) ? -1 : 1;
    mpfr_float dy_i, out, zero_product;  // zero_product: e_i * S when that is a zero
    set_double(zero_product, s_sign < 0 ? -0.0 : 0.0);
    for (std::size_t i : indices) {
      const double y = y_[i];
      set_double(dy_i, dy_[i]);
      if (std::isnan(y)) {
        result_[i] = exactly(fp::kNaN<double>);
      } else if (y == fp::kInf<double>) {
        // e_i = +inf: inf * 0 is NaN, otherwise p_i = sign(S) inf and dy_i - p_i = -p_i.
        result_[i] = exactly(s_zero ? fp::kNaN<double> : signed_inf(-s_sign));
      } else if (y == -fp::kInf<double> || s_zero) {
        // p_i = e_i * S is a zero with the sign of S (e_i >= +0): out_i = dy_i - p_i.
        exact_difference(out, dy_i.backend().data(), zero_product.backend().data());
        result_[i] = round(out.backend().data());
      } else if (y == 0.0) {
        exact_difference(out, dy_i.backend().data(), S);  // e_i = 1: dy_i - S, rational
        result_[i] = round(out.backend().data());
      } else {
        pending_.push_back(i);  // irrational: enclosed below
      }
    }
    if (!pending_.empty()) decide_pending(schedule);
  }

 private:
  // Encloses dy_i - exp(y_i) S at growing precision until each rounding is decided: with
  // P = exp(y_i) |S| >= 0, out_i = dy_i - P for S > 0 and dy_i + P for S < 0. An exp beyond
  // MPFR's exponent range gives a half-open enclosure ([largest, inf] or [0, smallest]) that
  // still holds the exact value, and decides as the exact value would (an overflow to inf,
  // or dy_i itself).
  void decide_pending(const ReferenceOptions& schedule) {
    mpfr_srcptr S = sum_.backend().data();
    const bool negative_sum = mpfr_sgn(S) < 0;
    ziv_loop(schedule, [&](int precision) {
      for (Interval* v : {&abs_sum_, &arg_, &exp_, &product_, &out_}) v->set_precision(precision);
      decider_.set_precision(precision);
      enclose(abs_sum_, S);
      if (negative_sum) negate(abs_sum_, abs_sum_);
      std::vector<std::size_t> still;
      for (std::size_t i : pending_) {
        subtract_doubles(arg_, y_[i], 0.0);  // y_i (exact from 53 bits on)
        exp(exp_, arg_);
        multiply_nonnegative(product_, exp_, abs_sum_);
        if (negative_sum) {
          add_double(out_, product_, dy_[i]);
        } else {
          subtract_from_double(out_, dy_[i], product_);
        }
        if (!decider_.decide(out_, result_[i])) still.push_back(i);
      }
      pending_ = std::move(still);
      return pending_.empty();
    });
  }

  std::span<const double> y_, dy_;
  Format format_;
  Decider decider_;
  std::vector<Exact>& result_;
  std::vector<std::size_t> pending_;
  mpfr_float sum_;  // S, exact
  Interval abs_sum_, arg_, exp_, product_, out_;
};

}  // namespace

std::vector<Exact> softmax_backward_row(std::span<const double> y, std::span<const double> dy,
                                        Format format, const ReferenceOptions& options) {
  check_lengths(y, dy);
  resolved_schedule(options, format);  // validated; only fast_path is used
  if (options.fast_path) {
    if (auto row = try_fast_backward_row(false, y, dy, format)) {  // a row of finite values
      if (!row->undecided.empty()) softmax_backward_finite(y, dy, format, row->undecided, row->values);
      return std::move(row->values);
    }
  }
  const SumKind kind = classify_dot(y, dy);
  if (kind == SumKind::nan) return all_nan(y.size());
  if (kind == SumKind::finite) {
    std::vector<Exact> result(y.size());
    softmax_backward_finite(y, dy, format, every_index(y.size()), result);
    return result;
  }
  const int sigma = kind == SumKind::pos_inf ? 1 : -1;
  std::vector<Exact> result(y.size());
  for (std::size_t i = 0; i < y.size(); ++i)
    result[i] = exactly(softmax_backward_infinite(y[i], dy[i], sigma));
  return result;
}

std::vector<Exact> log_softmax_backward_row(std::span<const double> y, std::span<const double> dy,
                                            Format format, const ReferenceOptions& options) {
  check_lengths(y, dy);
  const ReferenceOptions schedule = resolved_schedule(options, format);
  if (schedule.fast_path) {
    if (auto row = try_fast_backward_row(true, y, dy, format)) {  // finite dy, no NaN or +inf y
      if (!row->undecided.empty())
        LogSoftmaxBackwardRow(y, dy, format, row->values).run(schedule, row->undecided);
      return std::move(row->values);
    }
  }
  const SumKind kind = classify_sum(dy);
  if (kind == SumKind::nan) return all_nan(y.size());
  if (kind == SumKind::finite) {
    std::vector<Exact> result(y.size());
    LogSoftmaxBackwardRow(y, dy, format, result).run(schedule, every_index(y.size()));
    return result;
  }
  const int sigma = kind == SumKind::pos_inf ? 1 : -1;
  const Format accumulation = format == Format::f64 ? Format::f64 : Format::f32;
  std::vector<Exact> result(y.size());
  for (std::size_t i = 0; i < y.size(); ++i)
    result[i] = exactly(std::isnan(y[i]) ? fp::kNaN<double>
                                         : log_softmax_backward_infinite(y[i], dy[i], sigma,
                                                                         accumulation));
  return result;
}

}  // namespace softcheck::reference
