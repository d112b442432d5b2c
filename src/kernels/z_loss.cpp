// The spherical Z-loss kernel: see z_loss.hpp.
#include "kernels/z_loss.hpp"

#include <cmath>
#include <vector>

#include "fp/constants.hpp"
#include "fp/two_sum.hpp"
#include "kernels/double_word.hpp"
#include "kernels/row.hpp"

namespace softcheck::kernels {
namespace {

using Dw = fp::DoubleWord<double>;

// Each operation renormalises its result hi + lo (|lo| <= ulp(hi) / 2) with fp::fast_two_sum,
// whose first operand is the larger.
Dw operator+(Dw a, Dw b) {
  const double s = a.hi + b.hi;
  return fp::fast_two_sum(s, fp::two_sum_error(a.hi, b.hi, s) + a.lo + b.lo);
}
Dw operator-(Dw a) { return {-a.hi, -a.lo}; }
Dw operator-(Dw a, Dw b) { return a + -b; }
Dw operator*(Dw a, Dw b) {
  const Dw p = fp::two_prod(a.hi, b.hi);
  return fp::fast_two_sum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}
Dw operator/(Dw a, Dw b) {
  const double q = a.hi / b.hi;
  const Dw remainder = a - Dw{q, 0.0} * b;
  return fp::fast_two_sum(q, remainder.hi / b.hi);
}
Dw square_root(Dw a) {
  const double r = std::sqrt(a.hi);
  return fp::fast_two_sum(r, (std::fma(-r, r, a.hi) + a.lo) / (2 * r));
}
Dw scaled(Dw a, int exponent) { return {std::ldexp(a.hi, exponent), std::ldexp(a.lo, exponent)}; }

// sigmoid(t) and softplus(t) of a double-word t.
struct Logistic {
  double sigmoid;
  double softplus;
};
Logistic logistic(Dw t) {
  if (t.hi >= 0) {
    const double e = exp_of(-t);  // exp(-t) <= 1
    return {1 / (1 + e), t.hi + (t.lo + std::log1p(e))};
  }
  const double e = exp_of(t);
  return {e / (1 + e), std::log1p(e)};
}

// z_loss_row's working quantities, scaled by 2^shift, relative to the pivot p = x_k0 (k0 the
// first index other than the target c) so that each is exact whenever the differences
// o_k = x_k - p and their products fit a double-word (always for f32 logits of similar
// magnitude): with T1 = sum_{k != c} o_k and T2 = sum_{k != c} o_k^2,
//   A   = (n - 1) T2 - T1^2 = (n - 1) Q'        (Q' = sum_{k != c} (x_k - m')^2, m' their mean)
//   C   = (n - 1) o_c - T1  = (n - 1)(x_c - m')
//   B_j = (n - 1) o_j - T1  = (n - 1)(x_j - m')
std::vector<Dw>& offsets() {
  thread_local std::vector<Dw> o;
  return o;
}

template <class E>
void z_loss_row(const Row<E>& row, double a, double b) {
  using A = typename E::acc;
  const std::size_t n = row.n, c = row.target;
  auto all_nan = [&] {
    row.set_result(fp::kNaN<A>);
    for (std::size_t i = 0; i < n; ++i) row.store(i, fp::kNaN<A>);
  };
  double largest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = row.load(i);
    if (!std::isfinite(x)) return all_nan();
    largest = std::fmax(largest, std::fabs(x));
  }
  if (n < 2) return all_nan();
  // Scale logits beyond 2^900 down to 2^900, so that differences cannot overflow (exact but
  // for bits below 2^-174 of the largest: far below the result's precision).
  const int pre = largest > 0x1p900 ? 900 - std::ilogb(largest) : 0;
  auto x = [&](std::size_t k) { return std::ldexp(double(row.load(k)), pre); };
  const double pivot = x(c == 0 ? 1 : 0);
  std::vector<Dw>& o = offsets();
  o.resize(n);
  double spread = 0;
  for (std::size_t k = 0; k < n; ++k) {
    o[k] = difference(x(k), pivot);
    spread = std::fmax(spread, std::fabs(o[k].hi));
  }
  if (spread == 0) return all_nan();  // equal entries: std 0
  const int shift = -std::ilogb(spread);  // the largest offset in [1, 2): no square overflows
  Dw t1{0, 0}, t2{0, 0};
  for (std::size_t k = 0; k < n; ++k) {
    o[k] = scaled(o[k], shift);
    if (k == c) continue;
    t1 = t1 + o[k];
    t2 = t2 + o[k] * o[k];
  }
  const double nd = static_cast<double>(n);
  const Dw others{nd - 1, 0};
  const Dw big_a = others * t2 - t1 * t1;
  const Dw big_c = others * o[c] - t1;
  // D = n^2 var x = (n A + C^2) / (n - 1): no cancellation.
  const Dw d = (Dw{nd, 0} * big_a + big_c * big_c) / others;
  const Dw sqrt_d = square_root(d);
  const Dw z_c = big_c / sqrt_d;
  const Logistic l = logistic(Dw{a, 0} * (Dw{b, 0} - z_c));
  row.set_result(static_cast<A>(l.softplus / a));
  // grad_j = lambda s n (A + B_j C) / ((n - 1) D^(3/2)), grad_c = -lambda s n A / D^(3/2),
  // lambda = 2^(shift + pre) undoing the rescaling.
  const double factor = l.sigmoid * nd / (d * sqrt_d).hi;
  const int back = shift + pre;
  for (std::size_t j = 0; j < n; ++j) {
    const Dw p = j == c ? -big_a : (big_a + (others * o[j] - t1) * big_c) / others;
    row.store(j, static_cast<A>(std::ldexp(factor * p.hi, back)));
  }
}

}  // namespace

KernelFn make_z_loss_two_pass(Format format, const LossParameters& parameters) {
  const double a = parameters.a, b = parameters.b;
  return visit_format(format, [a, b]<class E>(E) -> KernelFn {
    return row_kernel<E>(Op::z_loss, [a, b](Op, const Row<E>& row) {
      z_loss_row<E>(row, a, b);
    });
  });
}

}  // namespace softcheck::kernels
