// Binary sigmoid cross-entropy kernels: see sigmoid_bce.hpp.
#include "kernels/sigmoid_bce.hpp"

#include <cmath>

#include "fp/compensated_sum.hpp"
#include "fp/constants.hpp"
#include "kernels/row.hpp"

namespace softcheck::kernels {
namespace {

template <class E>
void sigmoid_bce_row(const Row<E>& row) {
  using A = typename E::acc;
  fp::CompensatedSum<A> loss;
  bool nan = false, infinite = false;
  for (std::size_t i = 0; i < row.n; ++i) {
    const A x = row.load(i);
    const bool positive = i == row.target;
    const A v = positive ? -x : x;
    const A sign = positive ? A(-1) : A(1);
    if (std::isnan(v)) {
      nan = true;
      row.store(i, fp::kNaN<A>);
    } else if (v == fp::kInf<A>) {
      infinite = true;
      row.store(i, sign);
    } else if (v == -fp::kInf<A>) {
      row.store(i, A(0));
    } else {
      const A e = std::exp(-std::fabs(v));
      const A one_plus_e = 1 + e;
      row.store(i, sign * (v >= 0 ? 1 / one_plus_e : e / one_plus_e));
      loss.add(std::fmax(v, A(0)) + std::log1p(e));
    }
  }
  // A sum past the largest finite value is +inf (its carry would be inf - inf).
  const A total = std::isinf(loss.sum) ? loss.sum : loss.value();
  row.set_result(nan ? fp::kNaN<A> : infinite ? fp::kInf<A> : total);
}

}  // namespace

KernelFn make_sigmoid_bce_one_pass(Format format, const LossParameters&) {
  return visit_format(format, []<class E>(E) -> KernelFn {
    return row_kernel<E>(Op::sigmoid_bce, [](Op, const Row<E>& row) { sigmoid_bce_row<E>(row); });
  });
}

}  // namespace softcheck::kernels
