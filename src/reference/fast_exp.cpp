// exp in double-double with a proven bound: see fast_exp.hpp and proofs/fast-reference.md.
#include "reference/fast_exp.hpp"

#include <mpfr.h>

#include <array>
#include <vector>
#include <cmath>

#include "core/double_bits.hpp"
#include "fp/double_double.hpp"
#include "fp/two_sum.hpp"

namespace softcheck::reference {
namespace {

namespace dd = fp::dd;
using dd::Dd;

constexpr int kDegree = 9;
constexpr int kDoubleTerms = 5;  // 1/5! .. 1/9! as doubles in the Horner tail
static_assert(kDoubleTerms == 5, "the Horner steps below are written for terms 4..0");
constexpr int kTableBits = 8;  // T_j = 2^(j / 256)
constexpr int kTable = 1 << kTableBits;

// The constants, correctly rounded from 300-bit MPFR values.
struct Tables {
  std::array<Dd, kTable> two_pow;     // 2^(j/256), rounded to nearest double-double
  std::array<Dd, kDegree + 1> inverse_factorial;
  double c1, c2, c3;                  // ln2/256 = c1 + c2 + c3 + O(2^-125 ln2/256); c1, c2: 34 bits
  double inverse_c;                   // 256 / ln 2 (rounded; only picks k)
};

// x rounded to nearest double, then the remainder rounded to nearest: a double-double whose
// relative error is at most u^2.
Dd to_dd(mpfr_t x, mpfr_t scratch) {
  const double hi = mpfr_get_d(x, MPFR_RNDN);
  mpfr_sub_d(scratch, x, hi, MPFR_RNDN);
  return {hi, mpfr_get_d(scratch, MPFR_RNDN)};
}

double rounded_to_bits(mpfr_t x, mpfr_prec_t bits) {
  mpfr_t short_value;
  mpfr_init2(short_value, bits);
  mpfr_set(short_value, x, MPFR_RNDN);
  const double value = mpfr_get_d(short_value, MPFR_RNDN);  // exact: bits <= 53
  mpfr_clear(short_value);
  return value;
}

Tables make_tables() {
  Tables t{};
  mpfr_t x, scratch, c;
  mpfr_inits2(300, x, scratch, c, static_cast<mpfr_ptr>(nullptr));
  for (int j = 0; j < kTable; ++j) {
    mpfr_set_si(x, j, MPFR_RNDN);
    mpfr_div_ui(x, x, kTable, MPFR_RNDN);
    mpfr_exp2(x, x, MPFR_RNDN);
    t.two_pow[j] = to_dd(x, scratch);
  }
  mpfr_set_ui(x, 1, MPFR_RNDN);
  for (int i = 0; i <= kDegree; ++i) {
    if (i > 0) mpfr_div_ui(x, x, static_cast<unsigned long>(i), MPFR_RNDN);
    t.inverse_factorial[i] = to_dd(x, scratch);
  }
  mpfr_const_log2(c, MPFR_RNDN);
  mpfr_div_ui(c, c, kTable, MPFR_RNDN);
  t.c1 = rounded_to_bits(c, 34);
  mpfr_sub_d(c, c, t.c1, MPFR_RNDN);
  t.c2 = rounded_to_bits(c, 34);
  mpfr_sub_d(c, c, t.c2, MPFR_RNDN);
  t.c3 = mpfr_get_d(c, MPFR_RNDN);
  mpfr_const_log2(c, MPFR_RNDN);
  mpfr_ui_div(c, kTable, c, MPFR_RNDN);
  t.inverse_c = mpfr_get_d(c, MPFR_RNDN);
  mpfr_clears(x, scratch, c, static_cast<mpfr_ptr>(nullptr));
  return t;
}

const Tables& tables() {
  static const Tables t = make_tables();
  return t;
}

// e^d = 2^(k / 256) p: k and the polynomial part p(r) (1 + r.lo).
struct Reduced {
  Dd p;
  double k;
};

// The argument reduction and the polynomial, element-wise IEEE operations only (no table
// lookup), so that fast_exp_batch's loop over them vectorizes.
inline Reduced reduce_and_expand(Dd d, const Tables& t) {
  const double k = round_to_integer(d.hi * t.inverse_c);  // |k| < 2^19 for d.hi >= -750
  // d.hi - k c1 is exact (k c1 has <= 53 bits; Sterbenz), k c2 and k c3 are exact products.
  Dd r = fp::two_sum(d.hi - k * t.c1, -k * t.c2);
  r = dd::add(r, d.lo);
  r = dd::add(r, fp::two_prod(-k, t.c3));
  // p(r.hi) by Horner: the terms from r^5/5! on (below 2^-54 of p) in double with FMA, 1/4!
  // and 1/3! as double-words, 1/2!, 1/1!, 1/0! (doubles) with DWPlusFP.
  double tail = t.inverse_factorial[kDegree].hi;
  for (int i = kDegree - 1; i >= kDoubleTerms; --i)
    tail = std::fma(tail, r.hi, t.inverse_factorial[i].hi);
  Dd p = dd::add(t.inverse_factorial[4], fp::two_prod(tail, r.hi));
  p = dd::add(dd::mul(p, r.hi), t.inverse_factorial[3]);
  for (int i = 2; i >= 0; --i) p = dd::add(dd::mul(p, r.hi), t.inverse_factorial[i].hi);
  // e^r = p(r.hi) e^(r.lo) = p + p r.lo up to r.lo^2 < 2^-120; p.hi r.lo is rounded and
  // p.lo r.lo dropped, each below 2^-115 (|r.lo| <= 2^-62.5).
  return {dd::add(p, p.hi * r.lo), k};
}

// 2^(k / 256) p = 2^q (T_j p), k = 256 q + j.
inline ScaledDd scale_by_table(Reduced reduced, const Tables& t) {
  const long k = static_cast<long>(reduced.k);
  const long j = k & (kTable - 1);
  const long q = k >> kTableBits;  // floor(k / 256)
  return {dd::mul(t.two_pow[static_cast<std::size_t>(j)], reduced.p), static_cast<int>(q)};
}

}  // namespace

ScaledDd fast_exp(Dd d) {
  const Tables& t = tables();
  return scale_by_table(reduce_and_expand(d, t), t);
}

namespace {

// reduce_and_expand over n arguments; the restrict-qualified pointers tell the compiler that
// the stores do not alias the inputs or the tables, so the loop vectorizes (kept out of line:
// inlined, the qualifiers are lost and so is the vectorization).
[[gnu::noinline]] void reduce_all(const Dd* __restrict in, std::size_t n, Reduced* __restrict out,
                                  const Tables* __restrict t) {
  for (std::size_t i = 0; i < n; ++i) out[i] = reduce_and_expand(in[i], *t);
}

}  // namespace

void fast_exp_batch(std::span<const Dd> d, std::span<ScaledDd> out) {
  const Tables& t = tables();
  thread_local std::vector<Reduced> reduced;
  reduced.resize(d.size());
  reduce_all(d.data(), d.size(), reduced.data(), &t);
  for (std::size_t i = 0; i < d.size(); ++i) out[i] = scale_by_table(reduced[i], t);
}

}  // namespace softcheck::reference
