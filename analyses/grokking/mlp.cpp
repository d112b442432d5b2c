#include "mlp.hpp"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <cmath>

#include "run_spec.hpp"

namespace grokking {
namespace {

at::Tensor linear_weight(std::int64_t fan_in, std::int64_t fan_out) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  return (at::rand({fan_in, fan_out}, at::kFloat) * (2 * bound) - bound).set_requires_grad(true);
}

}  // namespace

Mlp::Mlp(std::int64_t modulus, std::int64_t hidden)
    : modulus_(modulus),
      w1_(linear_weight(2 * modulus, hidden)),
      w2_(linear_weight(hidden, hidden)),
      w3_(linear_weight(hidden, modulus)) {}

at::Tensor Mlp::logits(const at::Tensor& a, const at::Tensor& b, bool f16_emulated) const {
  const auto r = [f16_emulated](const at::Tensor& x) { return round_f16(x, f16_emulated); };
  // ReLU of an f16 value is one: no rounding after it.
  const at::Tensor h1 = r(r(w1_.index_select(0, a)) + r(w1_.index_select(0, b + modulus_))).relu();
  const at::Tensor h2 = r(h1.mm(r(w2_))).relu();
  return r(h2.mm(r(w3_)));
}

std::vector<at::Tensor> Mlp::parameters() const { return {w1_, w2_, w3_}; }

double Mlp::weight_norm() const {
  c10::NoGradGuard no_grad;
  double sum = 0;
  for (const at::Tensor& w : parameters()) sum += w.to(at::kDouble).pow(2).sum().item<double>();
  return std::sqrt(sum);
}

}  // namespace grokking
