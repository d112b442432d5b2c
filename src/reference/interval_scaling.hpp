// Interval operations the loss family needs beyond interval.hpp: products and quotients by
// a double of either sign, expm1, and the product of enclosures of any sign.
#pragma once

#include "reference/interval.hpp"

namespace softcheck::reference {

// out = a * c and out = a / c for a double c != 0 (either sign); out may not alias a.
void scale(Interval& out, const Interval& a, double c);
void divide_by(Interval& out, const Interval& a, double c);
// out = expm1(a).
void expm1(Interval& out, const Interval& a);

}  // namespace softcheck::reference
