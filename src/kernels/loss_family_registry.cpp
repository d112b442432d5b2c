// The built-in kernels of the parametrised losses, f32 and f64, one per parameter value with
// the value in the algorithm name (the kernel interface has no parameters; Kernel::parameters
// carries them to the gate's reference):
//   builtin/comp_sum/<format>/tau<t>                  t in {0, 0.5, 1, 1.5, 2}: sum-exponential,
//                                                     the midpoints, cross-entropy, MAE
//   builtin/temperature_cross_entropy/<format>/T<T>   T in {0.25, 0.5, 2, 10}: sharpening and
//                                                     smoothing, exact and inexact 1/T
//   builtin/sigmoid_bce/<format>/one-pass
//   builtin/z_loss/<format>/a<a>-b<b>                 (a, b) in {(1, 1), (0.1, 10)}: the
//                                                     defaults, and a soft, far margin
#include <string>

#include "kernels/builtin.hpp"
#include "kernels/comp_sum.hpp"
#include "kernels/sigmoid_bce.hpp"
#include "kernels/temperature_ce.hpp"
#include "kernels/z_loss.hpp"

namespace softcheck::kernels {
namespace {

struct Variant {
  Op op;
  const char* algorithm;
  LossParameters parameters;
  KernelFn (*make)(Format, const LossParameters&);
};

LossParameters with_tau(double tau) { return {.tau = tau}; }
LossParameters with_temperature(double t) { return {.temperature = t}; }
LossParameters with_margin(double a, double b) { return {.a = a, .b = b}; }

const Variant kVariants[] = {
    {Op::comp_sum, "tau0", with_tau(0.0), make_comp_sum_two_pass},
    {Op::comp_sum, "tau0.5", with_tau(0.5), make_comp_sum_two_pass},
    {Op::comp_sum, "tau1", with_tau(1.0), make_comp_sum_two_pass},
    {Op::comp_sum, "tau1.5", with_tau(1.5), make_comp_sum_two_pass},
    {Op::comp_sum, "tau2", with_tau(2.0), make_comp_sum_two_pass},
    {Op::temperature_cross_entropy, "T0.25", with_temperature(0.25), make_temperature_ce_two_pass},
    {Op::temperature_cross_entropy, "T0.5", with_temperature(0.5), make_temperature_ce_two_pass},
    {Op::temperature_cross_entropy, "T2", with_temperature(2.0), make_temperature_ce_two_pass},
    {Op::temperature_cross_entropy, "T10", with_temperature(10.0), make_temperature_ce_two_pass},
    {Op::sigmoid_bce, "one-pass", {}, make_sigmoid_bce_one_pass},
    {Op::z_loss, "a1-b1", with_margin(1.0, 1.0), make_z_loss_two_pass},
    {Op::z_loss, "a0.1-b10", with_margin(0.1, 10.0), make_z_loss_two_pass},
};

}  // namespace

void register_loss_family_kernels(Registry& registry) {
  for (Format format : {Format::f64, Format::f32}) {
    for (const Variant& v : kVariants) {
      Kernel kernel{v.op, format, v.algorithm, "builtin", {}, v.parameters};
      if (!registry.match(kernel.name()).empty()) continue;  // registered before
      kernel.run = v.make(format, v.parameters);
      registry.add(std::move(kernel));
    }
  }
}

}  // namespace softcheck::kernels
