// Exact rational StableMax values, for the one case Ziv's loop cannot settle by itself.
//
// stablemax_i = s(x_i) / S and the StCE gradient are rationals of the (dyadic) logits. A
// rational can be a rounding boundary of a format (a midpoint between two neighbours, e.g.
// 3 * 2^-p), and no enclosure of a boundary, however narrow, rounds one way. So once an
// output is still undecided after a few doublings of the precision, the oracle computes it
// exactly here: if its denominator is a power of two it is a dyadic number, enclosed exactly
// by enclose_if_dyadic and decided at once; otherwise it is not a boundary of any binary
// format and the loop goes on, which then terminates (proofs/stablemax-reference.md).
#pragma once

#include <boost/multiprecision/gmp.hpp>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "reference/interval.hpp"

namespace softcheck::reference {

using Rational = boost::multiprecision::mpq_rational;

class StableMaxExact {
 public:
  // x: the row; finite: the indices of its finite entries (the others are -inf, s = 0).
  StableMaxExact(std::span<const double> x, std::span<const std::size_t> finite);

  Rational stablemax(std::size_t i);                       // s(x_i) / S
  Rational gradient(std::size_t i, std::size_t target);    // s'(x_i)/S - [i=y] s'(x_y)/s(x_y)

  static Rational s(double x);        // x + 1 (x >= 0), 1 / (1 - x) (x < 0)
  static Rational s_prime(double x);  // 1 (x >= 0), 1 / (1 - x)^2 (x < 0)

 private:
  const Rational& total();  // S = sum of s over the finite entries, summed on first use

  std::span<const double> x_;
  std::span<const std::size_t> finite_;
  std::optional<Rational> total_;
};

// When q is dyadic (its denominator a power of two): sets `out` to exactly q (both bounds,
// not strict, at a precision that holds q's numerator) and returns true. Otherwise false.
bool enclose_if_dyadic(Interval& out, const Rational& q);

}  // namespace softcheck::reference
