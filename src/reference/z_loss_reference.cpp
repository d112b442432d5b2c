// Spherical Z-loss reference (de Brebisson & Vincent 2016), loss_family_reference.hpp:
//   z = (x - mean x) / std x (population std),  L = softplus(a (b - z_c)) / a.
// With e_k = x_k - x_c, S1 = sum e_k, S2 = sum e_k^2 and D = n S2 - S1^2 = n^2 var(x):
//   z_c  = -S1 / sqrt(D)
//   g_j  =  s n P_j / D^(3/2),  P_j = S2 - e_j S1 = sum_k (x_k - x_c)(x_k - x_j)   (j != c)
//   g_c  = -s n R / D^(3/2),    R = (n - 1) S2 - S1^2 = (n - 1)^2 var(x without x_c)
// where s = sigmoid(a (b - z_c)) (derivation: proofs/z-loss.md). The gradient factor
// P_j / (n^2 var) = 1 + z_c z_j cancels - to exactly 0 for every n = 2 row - so S1, S2, D,
// R and every P_j are computed EXACTLY (MPFR at a precision that holds the dyadic sums of
// products of the row's doubles); only the square root, the sigmoid, the softplus and the
// final products are enclosed, by Ziv's strategy. Exact zeros are decided at once.
// Special rows: a NaN or an infinity, n = 1 or a constant row (std 0) make every output NaN.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include <boost/multiprecision/mpfr.hpp>

#include "reference/decider.hpp"
#include "reference/interval.hpp"
#include "reference/interval_scaling.hpp"
#include "reference/softmax_loss_reference.hpp"
#include "reference/ziv.hpp"
#include "fp/constants.hpp"

namespace softcheck::reference {
namespace {

using Mpfr = boost::multiprecision::mpfr_float;

void exact(int ternary) {
  if (ternary != 0) throw std::logic_error("softcheck reference: Z-loss sums not exact");
}

// Bits that hold every e_k = x_k - x_c, every product of two of them and sums of n such
// products exactly: the span from the largest leading bit to the smallest trailing bit of
// the row's doubles, doubled for products, plus the carries of n-term sums and of n * S2.
mpfr_prec_t exact_precision(std::span<const double> x) {
  int top = std::numeric_limits<int>::min(), bottom = std::numeric_limits<int>::max();
  for (double v : x) {
    if (v == 0.0) continue;
    int e = 0;
    std::frexp(v, &e);  // |v| in [2^(e-1), 2^e)
    top = std::max(top, e);
    bottom = std::min(bottom, std::max(e - 53, -1074));
  }
  if (top < bottom) return 64;  // every entry zero
  const int span = top + 1 - bottom;  // bits of a difference of two entries
  const int carries = 2 * static_cast<int>(std::ceil(std::log2(x.size() + 1.0)));
  return 2 * span + carries + 16;
}

struct ExactSums {
  Mpfr s1, d, r;
  std::vector<Mpfr> p;  // P_j (P_c is unused)
};

Mpfr with_precision(mpfr_prec_t precision) {
  Mpfr v;
  mpfr_set_prec(v.backend().data(), precision);
  mpfr_set_zero(v.backend().data(), 1);
  return v;
}

ExactSums exact_sums(std::span<const double> x, std::size_t c) {
  const mpfr_prec_t precision = exact_precision(x);
  const std::size_t n = x.size();
  std::vector<Mpfr> e(n, with_precision(precision));
  Mpfr s2 = with_precision(precision), square = with_precision(precision);
  ExactSums sums{with_precision(precision), with_precision(precision), with_precision(precision),
                 std::vector<Mpfr>(n, with_precision(precision))};
  mpfr_ptr s1 = sums.s1.backend().data();
  for (std::size_t k = 0; k < n; ++k) {
    mpfr_ptr ek = e[k].backend().data();
    exact(mpfr_set_d(ek, x[k], MPFR_RNDN));
    exact(mpfr_sub_d(ek, ek, x[c], MPFR_RNDN));
    exact(mpfr_add(s1, s1, ek, MPFR_RNDN));
    exact(mpfr_sqr(square.backend().data(), ek, MPFR_RNDN));
    exact(mpfr_add(s2.backend().data(), s2.backend().data(), square.backend().data(), MPFR_RNDN));
  }
  exact(mpfr_sqr(square.backend().data(), s1, MPFR_RNDN));  // S1^2
  exact(mpfr_mul_ui(sums.d.backend().data(), s2.backend().data(), n, MPFR_RNDN));
  exact(mpfr_sub(sums.d.backend().data(), sums.d.backend().data(), square.backend().data(),
                 MPFR_RNDN));
  exact(mpfr_mul_ui(sums.r.backend().data(), s2.backend().data(), n - 1, MPFR_RNDN));
  exact(mpfr_sub(sums.r.backend().data(), sums.r.backend().data(), square.backend().data(),
                 MPFR_RNDN));
  for (std::size_t j = 0; j < n; ++j) {
    mpfr_ptr pj = sums.p[j].backend().data();
    exact(mpfr_mul(pj, e[j].backend().data(), s1, MPFR_RNDN));
    exact(mpfr_sub(pj, s2.backend().data(), pj, MPFR_RNDN));
  }
  return sums;
}

class ZLossRow {
 public:
  ZLossRow(const LossParameters& parameters, std::span<const double> x, Format format,
           std::size_t target)
      : a_(parameters.a), b_(parameters.b), n_(x.size()), target_(target),
        sums_(exact_sums(x, target)), decider_(format) {
    row_.gradient.resize(n_);
    pending_.assign(n_ + 1, true);  // the gradient, then the loss
    for (std::size_t j = 0; j < n_; ++j) {
      const mpfr_srcptr factor = j == target_ ? sums_.r.backend().data() : sums_.p[j].backend().data();
      if (mpfr_zero_p(factor)) row_.gradient[j] = exactly(0.0), pending_[j] = false;
    }
  }

  LossReference run(const ReferenceOptions& schedule) {
    ziv_loop(schedule, [this](int precision) { return enclose_and_decide(precision); });
    return std::move(row_);
  }

 private:
  bool enclose_and_decide(mpfr_prec_t p) {
    for (Interval* v : {&d_, &sqrt_d_, &d_3_2_, &z_, &w_, &t_, &s_, &f_, &out_})
      v->set_precision(p);
    decider_.set_precision(p);
    enclose(d_, sums_.d.backend().data());
    sqrt(sqrt_d_, d_);
    multiply_nonnegative(d_3_2_, d_, sqrt_d_);
    // z_c = -S1 / sqrt(D), then t = a (b - z_c).
    enclose(w_, sums_.s1.backend().data());
    if (mpfr_sgn(sums_.s1.backend().data()) < 0) negate(w_, w_);  // |S1|
    divide_nonnegative(z_, w_, sqrt_d_);
    if (mpfr_sgn(sums_.s1.backend().data()) > 0) negate(z_, z_);
    subtract_from_double(w_, b_, z_);
    scale(t_, w_, a_);
    // s = 1 / (1 + exp(-t)); F = s n / D^(3/2).
    negate(w_, t_);
    exp(out_, w_);
    one_plus(w_, out_);
    reciprocal_positive(s_, w_);
    scale(w_, s_, static_cast<double>(n_));
    divide_nonnegative(f_, w_, d_3_2_);
    bool done = true;
    for (std::size_t j = 0; j < n_; ++j) {
      if (!pending_[j]) continue;
      const bool at_target = j == target_;
      const mpfr_srcptr factor = at_target ? sums_.r.backend().data() : sums_.p[j].backend().data();
      enclose(w_, factor);
      const bool negative = mpfr_sgn(factor) < 0;
      if (negative) negate(w_, w_);
      multiply_nonnegative(out_, f_, w_);
      if (negative != at_target) negate(out_, out_);
      pending_[j] = !decider_.decide(out_, row_.gradient[j]);
      done &= !pending_[j];
    }
    if (pending_[n_]) {
      // L = log1p(exp(t)) / a.
      exp(out_, t_);
      log1p(w_, out_);
      divide_by(out_, w_, a_);
      pending_[n_] = !decider_.decide(out_, row_.loss);
      done &= !pending_[n_];
    }
    return done;
  }

  double a_, b_;
  std::size_t n_, target_;
  ExactSums sums_;
  Decider decider_;
  std::vector<bool> pending_;
  LossReference row_;
  Interval d_, sqrt_d_, d_3_2_, z_, w_, t_, s_, f_, out_;
};

}  // namespace

LossReference z_loss_row(const LossParameters& parameters, std::span<const double> x,
                         Format format, std::size_t target, const ReferenceOptions& schedule) {
  const std::size_t n = x.size();
  bool special = n < 2;
  for (double v : x) special |= !std::isfinite(v);
  bool constant = true;
  for (double v : x) constant &= v == x[0];
  if (special || constant) return {exactly(fp::kNaN<double>), std::vector<Exact>(n, exactly(fp::kNaN<double>))};
  return ZLossRow(parameters, x, format, target).run(schedule);
}

}  // namespace softcheck::reference
