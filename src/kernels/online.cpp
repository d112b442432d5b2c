// Online softmax (Milakov & Gimelshein 2018) in the "1 + s" form (row.hpp): one pass keeps
// the running maximum m and s = sum of exp(x_j - m) over the elements seen so far except the
// (first) one at the maximum:
//   x > m:  s = (s + 1) * exp(m - x), m = x     (the old maximum joins the sum)
//   else:   s += exp(x - m)                     (skipped for x = -inf)
// with s kept as q + e_y (the cross-entropy target apart, row.hpp), both rescaled together.
// A second pass writes the outputs, recomputing exp(x_j - m) (x_j - m for log_softmax);
// logsumexp needs only the first pass.
//
// Accuracy: as three_pass.hpp, plus one rounding of s per increase of the maximum (the
// rescale multiplies the compensated sum by a rounded, scaled exp: relative error <= k*u after k
// increases, about ln n for a random row). Measured against long double
// (tests/unit/kernels_accuracy.cpp and 60 000 extra random rows): f32/f64 softmax <= 4.1
// ulps, log_softmax <= 2.6, logsumexp <= 2.0, cross-entropy <= 4.0; bf16/f16 <= 0.5 ulp +
// 2^-13. Valid for every finite input; special values as in row.hpp (NaN is tracked
// separately because it fails every comparison).
#include <cmath>

#include "fp/compensated_sum.hpp"
#include "fp/constants.hpp"
#include "kernels/builtin.hpp"
#include "kernels/row.hpp"

namespace softcheck::kernels {
namespace {

template <class E>
void online_row(Op op, const Row<E>& row) {
  using A = typename E::acc;
  const std::size_t y = row.target;
  A m = -fp::kInf<A>;
  std::size_t a = 0;    // index of the running maximum (the first maximum zeroes q and e_y)
  fp::CompensatedSum<A> q;  // sum of exp(x_j - m) over the elements seen, except a and y
  A e_y = 0;            // exp(x_y - m) once the target is seen, while it is not the maximum
                        // (q and e_y scaled by kScale, row.hpp)
  bool has_nan = false;
  for (std::size_t j = 0; j < row.n; ++j) {
    const A x = row.load(j);
    if (x > m) {
      // exp(m - x), scaled; 0 while no maximum has been seen (m = -inf). Scaled quantities
      // are multiplied by it and then by kUnscale, so a large jump of the maximum does not
      // round them onto the subnormal grid.
      const A rescale = scaled_exp(m, x);
      if (a == y) {
        e_y = rescale;
      } else {
        q.add(kScale<A>);
        e_y = e_y * rescale * kUnscale<A>;
      }
      q.scale(rescale);
      q.scale(kUnscale<A>);
      m = x;
      a = j;
    } else if (x != -fp::kInf<A>) {
      const A e = scaled_exp(x, m);
      if (j == y) {
        e_y = e;
      } else {
        q.add(e);
      }
    }
    has_nan |= std::isnan(x);
  }
  if (const auto special = special_logsumexp(has_nan, m)) return write_special(op, row, *special);
  const RowSums<A> sums = row_sums(q.value(), e_y, a == y);
  const auto diff_at = [&](std::size_t j) { return row.load(j) - m; };
  const auto exp_at = [&](std::size_t j) { return scaled_exp(row.load(j), m); };
  write_softmax_family(op, row, m, sums, exp_at, diff_at);
}

}  // namespace

KernelFn make_online(Op op, Format format) {
  return visit_format(format,
                      [op]<class E>(E) -> KernelFn { return row_kernel<E>(op, &online_row<E>); });
}

}  // namespace softcheck::kernels
