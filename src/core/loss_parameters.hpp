// Parameters of the parametrised losses (comp-sum tau, Z-loss a and b, temperature T).
// The kernel interface has none: a built-in kernel is registered for one fixed set of values
// (named in its algorithm, e.g. builtin/comp_sum/f32/tau0.5) and carries them in its Kernel,
// and the gate hands the same values to the reference. Default-initialised for every other op.
#pragma once

#include "core/op.hpp"

namespace softcheck {

struct LossParameters {
  double tau = 1.0;          // comp-sum: in [0, 2] (Mao, Mohri, Zhong 2023)
  double a = 1.0;            // Z-loss sharpness a > 0 (de Brebisson & Vincent 2016)
  double b = 1.0;            // Z-loss offset b
  double temperature = 1.0;  // temperature-scaled cross-entropy: T > 0

  bool operator==(const LossParameters&) const = default;
  // The value of one parameter, by its name in the op table (core/op.hpp).
  double value(Parameter parameter) const {
    switch (parameter) {
      case Parameter::tau: return tau;
      case Parameter::a: return a;
      case Parameter::b: return b;
      case Parameter::temperature: return temperature;
    }
    return 0.0;
  }
};

}  // namespace softcheck
