// The exact Taylor radius for two classes (proofs/ghosts-certified-radius.md, section 2):
// F(t) = e^(z1 + a1 t) + e^(z2 + a2 t) vanishes exactly at
// t = (z2 - z1 + i pi (2m + 1)) / (a1 - a2), so rho* = sqrt(delta^2 + pi^2) / Delta_a with
// delta = z1 - z2, Delta_a = |a1 - a2|.
#pragma once

namespace softcheck::taylor_radius {

// In double, rounded to nearest (a few ulps); +inf when a1 == a2. For the certified value
// see certify_radius.
double binary_radius(double z1, double z2, double a1, double a2);

}  // namespace softcheck::taylor_radius
