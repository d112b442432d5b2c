// F along a step in Arb ball arithmetic: enclosures of the normalised sum
//   G_p(t) = sum_k exp((d_k - d_p) + (b_k - b_p) t) = F(t) exp(-(z_max + a_p t))   (line.hpp)
// and of its derivative, over a complex ball t. Dividing by the term p that is largest near t
// keeps the enclosure tight where one class dominates; G_p and F have the same zeros, and
// the arguments differ by Im(a_p t) (proofs/ghosts-certified-radius.md, section 4).
#pragma once

#include <acb.h>

#include <cstddef>
#include <vector>

#include "taylor_radius/arb_handles.hpp"
#include "taylor_radius/line.hpp"

namespace softcheck::taylor_radius {

class ExactLine {
 public:
  explicit ExactLine(const Line& line);

  std::size_t size() const { return d_.size(); }
  // b_p = a_p - c exactly, and a rounded copy.
  arb_srcptr b(std::size_t k) const { return b_[k]; }
  double b_rounded(std::size_t k) const { return b_rounded_[k]; }
  double d_rounded(std::size_t k) const { return d_rounded_[k]; }
  // The term with the largest modulus at real part x (a choice of normalisation only).
  std::size_t dominant(double x) const;

  // g = G_p over the ball t and, if g1 is not null, g1 = G_p'. Terms whose modulus is
  // provably below exp(-cutoff) everywhere on the ball are not exponentiated; their bound is
  // added to the radius. Returns how many exponentials were evaluated.
  std::size_t evaluate(acb_ptr g, acb_ptr g1, acb_srcptr t, std::size_t p, slong prec) const;

 private:
  std::vector<Arb> d_, b_;  // exact: d_k = z_k - z_max, b_k = a_k - c
  std::vector<double> d_rounded_, b_rounded_;
};

}  // namespace softcheck::taylor_radius
