// Naive kernels: exp(x) without subtracting the maximum, the overflow baseline. They are
// expected to fail: exp overflows once a logit exceeds ~88.7 (f32) / ~709.8 (f64), giving
// inf/inf = NaN, and underflows below ~-103 / ~-745 (0/0 = NaN when the whole row does).
//   sum = sum_j exp(x_j)
//   softmax_i = exp(x_i) * (1/sum), log_softmax_i = x_i - log(sum), logsumexp = log(sum),
//   ce loss = log(sum) - x_y, ce gradient = softmax_i - [i = y] (cancels for confident rows).
// On ordinary rows (|x| well inside the exp range) the error is a few ulps plus |x_i| (not
// |x_i - max|: exp amplifies the argument's own magnitude). Special values: whatever IEEE
// arithmetic gives, except the empty row and an invalid target (run_rows in row.hpp).
// Registered for f32 and f64 only.
#include <cmath>

#include "kernels/builtin.hpp"
#include "kernels/row.hpp"

namespace softcheck::kernels {
namespace {

template <class E>
void naive_row(Op op, const Row<E>& row) {
  using A = typename E::acc;
  const auto exp_at = [&](std::size_t j) { return std::exp(row.load(j)); };
  A sum = 0;
  for (std::size_t j = 0; j < row.n; ++j) sum += exp_at(j);
  const A inverse = 1 / sum;
  const A log_sum = std::log(sum);
  if (op == Op::softmax) {
    for (std::size_t j = 0; j < row.n; ++j) row.store(j, exp_at(j) * inverse);
    return;
  } else if (op == Op::log_softmax) {
    for (std::size_t j = 0; j < row.n; ++j) row.store(j, row.load(j) - log_sum);
    return;
  } else if (op == Op::logsumexp) {
    return row.set_result(log_sum);
  } else if (op == Op::cross_entropy) {
    row.set_result(log_sum - row.load(row.target));
    for (std::size_t j = 0; j < row.n; ++j)
      row.store(j, exp_at(j) * inverse - (j == row.target ? A(1) : A(0)));
    return;
  }
}

}  // namespace

KernelFn make_naive(Op op, Format format) {
  return visit_format(format,
                      [op]<class E>(E) -> KernelFn { return row_kernel<E>(op, &naive_row<E>); });
}

}  // namespace softcheck::kernels
