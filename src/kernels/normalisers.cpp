// Attention-normaliser kernels: see normalisers.hpp.
#include "kernels/normalisers.hpp"

#include <cmath>
#include <stdexcept>

#include "fp/compensated_sum.hpp"
#include "fp/constants.hpp"
#include "kernels/row.hpp"

namespace softcheck::kernels {
namespace {

double sigmoid_with_bias(double x, double n) {
  if (x >= 0) return 1.0 / (1.0 + n * std::exp(-x));
  const double e = std::exp(x);  // NaN stays NaN; -inf gives 0
  return e / (e + n);
}

void sigmoid_row(Op, const Row<F32>& row) {
  const double n = static_cast<double>(row.n);
  for (std::size_t j = 0; j < row.n; ++j)
    row.out[j] = static_cast<float>(sigmoid_with_bias(row.load(j), n));
}

// softplus(x) / e^m for the row's maximum m (m <= 0 branch of normalisers.hpp).
double relative_softplus(double x, double m) {
  const double t = std::exp(x);
  const double g = t > 0 ? std::log1p(t) / t : 1.0;
  return std::exp(x - m) * g;
}

double softplus(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

void softplus_row(Op op, const Row<F32>& row) {
  const RowMax<float> max = find_max(row);
  if (const auto special = special_logsumexp(max.has_nan, max.value))
    return write_special(op, row, *special);  // NaN, +inf or all -inf: NaN outputs
  const double m = max.value;
  const auto term = [&](std::size_t j) {
    const double x = row.load(j);
    if (x == -fp::kInf<double>) return 0.0;
    return m > 0 ? softplus(x) : relative_softplus(x, m);
  };
  fp::CompensatedSum<double> sum;
  for (std::size_t j = 0; j < row.n; ++j) sum.add(term(j));
  const double total = sum.value();
  for (std::size_t j = 0; j < row.n; ++j) row.out[j] = static_cast<float>(term(j) / total);
}

void require_f32(Format format) {
  if (format != Format::f32)
    throw std::invalid_argument("softcheck: the normaliser kernels are f32 only");
}

}  // namespace

KernelFn make_sigmoid_normaliser_f64acc(Format format) {
  require_f32(format);
  return row_kernel<F32>(Op::sigmoid_normaliser, &sigmoid_row);
}

KernelFn make_softplus_normaliser_f64acc(Format format) {
  require_f32(format);
  return row_kernel<F32>(Op::softplus_normaliser, &softplus_row);
}

void register_normaliser_kernels(Registry& registry) {
  const struct {
    Op op;
    KernelFn (*make)(Format);
  } kinds[] = {{Op::sigmoid_normaliser, make_sigmoid_normaliser_f64acc},
               {Op::softplus_normaliser, make_softplus_normaliser_f64acc}};
  for (const auto& kind : kinds) {
    Kernel kernel{kind.op, Format::f32, "f64acc", "builtin", {}};
    if (!registry.match(kernel.name()).empty()) continue;  // registered before
    kernel.run = kind.make(Format::f32);
    registry.add(std::move(kernel));
  }
}

}  // namespace softcheck::kernels
