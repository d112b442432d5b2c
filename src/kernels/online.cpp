// Online softmax (Milakov & Gimelshein 2018) in the "1 + s" form (row.hpp): one pass keeps
// the running maximum m and s = sum of exp(x_j - m) over the elements seen so far except the
// (first) one at the maximum:
//   x > m:  s = (s + 1) * exp(m - x), m = x     (the old maximum joins the sum)
//   else:   s += exp(x - m)                     (skipped for x = -inf)
// A second pass writes the outputs, recomputing exp(x_j - m) (x_j - m for log_softmax);
// logsumexp needs only the first pass.
//
// Accuracy: as three_pass.hpp, plus one rounding of s per increase of the maximum (each
// rescale multiplies s by a rounded exp: relative error <= k*u after k increases, about
// ln n increases for a random row). Measured against long double
// (tests/unit/kernels_accuracy.cpp): the same ulp counts as three-pass on normal rows.
// Valid for every finite input; special values as in row.hpp (NaN is tracked separately
// because it fails every comparison).
#include <cmath>

#include "kernels/builtin.hpp"
#include "kernels/row.hpp"

namespace softcheck::kernels {
namespace {

template <class E>
void online_row(Op op, const Row<E>& row) {
  using A = typename E::acc;
  A m = -kInf<A>;
  A s = 0;
  bool has_nan = false;
  for (std::size_t j = 0; j < row.n; ++j) {
    const A x = row.load(j);
    if (x > m) {
      s = (s + 1) * exp_difference(m, x);  // 0 while no maximum has been seen (m = -inf)
      m = x;
    } else if (x != -kInf<A>) {
      s += exp_difference(x, m);
    }
    has_nan |= std::isnan(x);
  }
  if (const auto special = special_logsumexp(has_nan, m)) return write_special(op, row, *special);
  const auto diff_at = [&](std::size_t j) { return row.load(j) - m; };
  const auto exp_at = [&](std::size_t j) { return exp_difference(row.load(j), m); };
  switch (op) {
    case Op::softmax: return write_softmax(row, s, exp_at);
    case Op::log_softmax: return write_log_softmax(row, s, diff_at);
    case Op::logsumexp: return write_logsumexp(row, m, s);
    case Op::cross_entropy: return write_cross_entropy(row, m, s, exp_at);
  }
}

}  // namespace

KernelFn make_online(Op op, Format format) {
  return visit_format(format,
                      [op]<class E>(E) -> KernelFn { return row_kernel<E>(op, &online_row<E>); });
}

}  // namespace softcheck::kernels
