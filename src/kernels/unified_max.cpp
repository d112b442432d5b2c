// Unified-max softmax kernels: see unified_max.hpp.
#include "kernels/unified_max.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "fp/compensated_sum.hpp"
#include "fp/two_sum.hpp"
#include "kernels/row.hpp"
#include "kernels/three_pass.hpp"

namespace softcheck::kernels {
namespace {

// exp(x - phi), corrected for the rounding of d = x - phi: exp(d + t) = exp(d) (1 + t) up to
// t^2/2 (t the TwoSum error). In the window exp(d) is normal and finite.
template <class A>
A unified_exp(A x, A phi) {
  const A d = x - phi;
  const A t = fp::two_sum_error(x, -phi, d);
  const A e = std::exp(d);
  return e + e * t;
}

// The fast path on one row: partial block sums, each independent of the others (the
// asynchrony the paper is after), merged afterwards; then e_j / S.
template <class E>
void unified_max_fast_row(const Row<E>& row, typename E::acc phi) {
  using A = typename E::acc;
  fp::CompensatedSum<A> total;
  for (std::size_t start = 0; start < row.n; start += kUnifiedMaxBlock) {
    const std::size_t end = std::min(row.n, start + kUnifiedMaxBlock);
    fp::CompensatedSum<A> block;
    for (std::size_t j = start; j < end; ++j) block.add(unified_exp(row.load(j), phi));
    total.add(block.value());
  }
  const A sum = total.value();
  for (std::size_t j = 0; j < row.n; ++j) row.store(j, unified_exp(row.load(j), phi) / sum);
}

template <class E>
bool row_in_window(const Row<E>& row, const UnifiedMaxParameters& p) {
  for (std::size_t j = 0; j < row.n; ++j)
    if (!in_unified_max_window(static_cast<double>(row.load(j)), p)) return false;
  return true;
}

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

std::string unified_max_algorithm(const UnifiedMaxParameters& p) {
  return "unified-max-phi" + number(p.phi) + "-a" + number(p.a) + "-b" + number(p.b);
}

KernelFn make_unified_max_softmax(Format format, const UnifiedMaxParameters& p,
                                  bool with_fallback) {
  return visit_format(format, [p, with_fallback]<class E>(E) -> KernelFn {
    using A = typename E::acc;
    return row_kernel<E>(Op::softmax, [p, with_fallback](Op op, const Row<E>& row) {
      if (with_fallback && !row_in_window(row, p)) return three_pass_recompute_row(op, row);
      unified_max_fast_row(row, static_cast<A>(p.phi));
    });
  });
}

}  // namespace softcheck::kernels
