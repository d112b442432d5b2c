// The attention reference's driver and its MPFR path (attention_reference.hpp): every
// quantity an Interval (interval.hpp) at the working precision, doubled until every output of
// the row is decided (ziv.hpp).
#include "reference/attention_reference.hpp"

#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "reference/decider.hpp"
#include "reference/fast_row.hpp"
#include "reference/interval.hpp"
#include "reference/thread_caches.hpp"
#include "reference/ziv.hpp"

namespace softcheck::reference {
namespace {

// Below half the smallest subnormal double, 2^-1075, every format rounds a real to zero: an
// enclosure inside (-2^-1075, 2^-1075) decides the value 0 (its sign is not decided; +0 is
// given).
constexpr long kZeroBandExponent = -1075;
bool in_zero_band(const Interval& v) {
  return mpfr_cmp_si_2exp(v.lo(), -1, kZeroBandExponent) > 0 &&
         mpfr_cmp_si_2exp(v.hi(), 1, kZeroBandExponent) < 0;
}

// out = a * y for a double y of either sign (out must not alias a).
void multiply_double(Interval& out, const Interval& a, double y) {
  if (y == 0.0) {
    out.set_zero();
    return;
  }
  const bool negative = y < 0;
  const bool lo_strict = negative ? a.hi_strict : a.lo_strict;
  const bool hi_strict = negative ? a.lo_strict : a.hi_strict;
  out.lo_strict = (mpfr_mul_d(out.lo(), negative ? a.hi() : a.lo(), y, MPFR_RNDD) != 0) || lo_strict;
  out.hi_strict = (mpfr_mul_d(out.hi(), negative ? a.lo() : a.hi(), y, MPFR_RNDU) != 0) || hi_strict;
}

// out = a / c for c > 0 (out must not alias a).
void divide_positive_double(Interval& out, const Interval& a, double c) {
  out.lo_strict = (mpfr_div_d(out.lo(), a.lo(), c, MPFR_RNDD) != 0) || a.lo_strict;
  out.hi_strict = (mpfr_div_d(out.hi(), a.hi(), c, MPFR_RNDU) != 0) || a.hi_strict;
}

// out = tanh(a): tanh is strictly increasing.
void tanh(Interval& out, const Interval& a) {
  out.lo_strict = (mpfr_tanh(out.lo(), a.lo(), MPFR_RNDD) != 0) || a.lo_strict;
  out.hi_strict = (mpfr_tanh(out.hi(), a.hi(), MPFR_RNDU) != 0) || a.hi_strict;
}

// out = x * y for doubles x, y, enclosed (exact once the precision reaches 106 bits; the
// schedule starts at 128).
void product(Interval& out, double x, double y) {
  mpfr_set_d(out.lo(), x, MPFR_RNDN);  // exact: precision >= 53
  mpfr_set_d(out.hi(), x, MPFR_RNDN);
  out.lo_strict = mpfr_mul_d(out.lo(), out.lo(), y, MPFR_RNDD) != 0;
  out.hi_strict = mpfr_mul_d(out.hi(), out.hi(), y, MPFR_RNDU) != 0;
}

// The working storage of one row at one precision.
struct RowIntervals {
  std::vector<Interval> weights;  // exp(s_k - shift) per attended key
  Interval sum, positive, negative, numerator, quotient, scratch, scratch2, lse;
  explicit RowIntervals(std::size_t keys) : weights(keys) {}
  void set_precision(mpfr_prec_t precision) {
    for (Interval& w : weights) w.set_precision(precision);
    for (Interval* i : {&sum, &positive, &negative, &numerator, &quotient, &scratch, &scratch2, &lse})
      i->set_precision(precision);
  }
};

// The score of key k for the row, into `out` (uses scratch).
void score(const AttentionCase& c, std::size_t row, std::size_t k, Interval& out, Interval& scratch,
           Interval& scratch2) {
  const std::size_t d = c.shape.d;
  out.set_zero();
  for (std::size_t j = 0; j < d; ++j) {
    product(scratch, c.q[row * d + j], c.k[k * d + j]);
    accumulate(out, scratch);
  }
  multiply_double(scratch, out, c.scale());
  const double cap = c.parameters.softcap;
  if (cap > 0) {
    divide_positive_double(scratch2, scratch, cap);
    tanh(out, scratch2);
    multiply_double(scratch, out, cap);
  }
  const double bias = c.bias.empty() ? 0.0 : c.bias[row * c.shape.lk + k];
  add_double(out, scratch, bias);
}

// O = N / L for L > 0 and N of either sign; false when N's enclosure straddles zero without
// lying inside the zero band.
bool quotient(Interval& out, const Interval& numerator, const Interval& sum, Interval& scratch) {
  if (mpfr_sgn(numerator.lo()) >= 0) {
    divide_nonnegative(out, numerator, sum);
    return true;
  }
  if (mpfr_sgn(numerator.hi()) <= 0) {
    negate(scratch, numerator);
    divide_nonnegative(out, scratch, sum);
    negate(out, out);
    return true;
  }
  if (in_zero_band(numerator)) {
    out.set_zero();  // |N| < 2^-1075 and L >= 1: O rounds to 0 in every format
    return true;
  }
  return false;
}

bool decide_or_zero(Decider& decider, const Interval& v, Exact& out) {
  if (decider.decide(v, out)) return true;
  if (in_zero_band(v)) {
    out = {0.0, 0.0, 0.0};
    return true;
  }
  return false;
}

}  // namespace

AttentionRowReference mpfr_attention_row(const AttentionCase& c, std::size_t row, Format lse_format,
                                         const ReferenceOptions& options) {
  const std::size_t lk = c.shape.lk, d = c.shape.d;
  AttentionRowReference result;
  result.out.assign(d, exactly(std::nan("")));
  std::vector<std::size_t> keys;
  for (std::size_t k = 0; k < lk; ++k)
    if (c.attended(row, k) && (c.bias.empty() || c.bias[row * lk + k] != -HUGE_VAL)) keys.push_back(k);
  if (keys.empty()) {
    result.lse = exactly(-HUGE_VAL);
    return result;
  }
  // The shift is the largest score itself: its weight is exactly 1 (no interval around it),
  // so a row with one attended key has O = V and LSE = its score exactly, and the other
  // weights are exp(s_k - s_top) <= ~1.
  const Format finer = (c.format == Format::f64 || lse_format == Format::f64) ? Format::f64 : c.format;
  Decider out_decider(c.format), lse_decider(lse_format);
  std::vector<Interval> scores(keys.size());
  RowIntervals work(keys.size());
  ziv_loop(resolved_schedule(options, finer), [&](int precision) {
    work.set_precision(precision);
    out_decider.set_precision(precision);
    lse_decider.set_precision(precision);
    std::size_t top = 0;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      scores[i].set_precision(precision);
      score(c, row, keys[i], scores[i], work.scratch, work.scratch2);
      if (mpfr_cmp(scores[i].hi(), scores[top].hi()) > 0) top = i;
    }
    work.sum.set_zero();
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (i == top) {
        mpfr_set_ui(work.weights[i].lo(), 1, MPFR_RNDN);
        mpfr_set_ui(work.weights[i].hi(), 1, MPFR_RNDN);
        work.weights[i].lo_strict = work.weights[i].hi_strict = false;
      } else {
        subtract(work.scratch, scores[i], scores[top]);
        exp(work.weights[i], work.scratch);
      }
      accumulate(work.sum, work.weights[i]);
    }
    for (std::size_t j = 0; j < d; ++j) {
      work.positive.set_zero();
      work.negative.set_zero();
      for (std::size_t i = 0; i < keys.size(); ++i) {
        const double v = c.v[keys[i] * d + j];
        if (v == 0.0) continue;
        multiply_double(work.scratch, work.weights[i], std::fabs(v));
        accumulate(v > 0 ? work.positive : work.negative, work.scratch);
      }
      subtract(work.numerator, work.positive, work.negative);
      if (!quotient(work.quotient, work.numerator, work.sum, work.scratch)) return false;
      if (!decide_or_zero(out_decider, work.quotient, result.out[j])) return false;
    }
    log(work.scratch, work.sum);
    add(work.lse, work.scratch, scores[top]);
    return decide_or_zero(lse_decider, work.lse, result.lse);
  });
  return result;
}

AttentionRowReference attention_reference_row(const AttentionCase& c, std::size_t row,
                                              Format lse_format, const ReferenceOptions& options,
                                              bool* fast) {
  // This thread's MPFR caches, when it ends: the fast path's own undecided cases use MPFR too.
  release_mpfr_caches_at_thread_exit();
  if (options.fast_path && fast_path_available()) {
    if (auto decided = fast_attention_row(c, row, lse_format)) {
      if (fast) *fast = true;
      return std::move(*decided);
    }
  }
  if (fast) *fast = false;
  return mpfr_attention_row(c, row, lse_format, options);
}

AttentionReference attention_reference(const AttentionCase& c, Format lse_format,
                                       const ReferenceOptions& options) {
  validate(c);
  AttentionReference reference;
  reference.out.reserve(c.shape.lq * c.shape.d);
  reference.lse.reserve(c.shape.lq);
  for (std::size_t i = 0; i < c.shape.lq; ++i) {
    bool fast = false;
    AttentionRowReference row = attention_reference_row(c, i, lse_format, options, &fast);
    (fast ? reference.fast_rows : reference.mpfr_rows) += 1;
    reference.out.insert(reference.out.end(), row.out.begin(), row.out.end());
    reference.lse.push_back(row.lse);
  }
  return reference;
}

}  // namespace softcheck::reference
