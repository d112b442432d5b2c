// Temperature-scaled softmax kernels: see temperature_softmax.hpp.
#include "kernels/temperature_softmax.hpp"

#include <cmath>
#include <string>

#include "fp/compensated_sum.hpp"
#include "kernels/row.hpp"

namespace softcheck::kernels {
namespace {

// q_j = (x_j - m) / T in double, or (float_quotient) rounded to f32 twice on the way.
KernelFn make(double temperature, bool float_quotient) {
  return row_kernel<F32>(
      Op::temperature_softmax, [temperature, float_quotient](Op op, const Row<F32>& row) {
        const RowMax<float> max = find_max(row);
        if (const auto special = special_logsumexp(max.has_nan, max.value))
          return write_special(op, row, *special);
        const double m = max.value;
        const auto e_at = [&](std::size_t j) {
          const float x = row.x[j];
          if (!float_quotient) return std::exp((static_cast<double>(x) - m) / temperature);
          const float d = x - max.value;
          return std::exp(static_cast<double>(d / static_cast<float>(temperature)));
        };
        fp::CompensatedSum<double> s;
        for (std::size_t j = 0; j < row.n; ++j)
          if (j != max.index) s.add(e_at(j));
        const double denominator = 1.0 + s.value();
        for (std::size_t j = 0; j < row.n; ++j)
          row.out[j] = static_cast<float>((j == max.index ? 1.0 : e_at(j)) / denominator);
      });
}

}  // namespace

KernelFn make_temperature_softmax_f64acc(double temperature) {
  return make(temperature, false);
}

KernelFn make_temperature_softmax_float_quotient(double temperature) {
  return make(temperature, true);
}

void register_temperature_softmax_kernels(Registry& registry) {
  const struct {
    const char* algorithm;
    double temperature;
  } variants[] = {{"f64acc-T0.001", 0.001},
                  {"f64acc-T0.1", 0.1},
                  {"f64acc-T10", 10.0},
                  {"f64acc-T1000", 1000.0}};
  for (const auto& v : variants) {
    Kernel kernel{Op::temperature_softmax,
                  Format::f32,
                  v.algorithm,
                  "builtin",
                  {},
                  LossParameters{.temperature = v.temperature}};
    if (!registry.match(kernel.name()).empty()) continue;  // registered before
    kernel.run = make_temperature_softmax_f64acc(v.temperature);
    registry.add(std::move(kernel));
  }
}

}  // namespace softcheck::kernels
