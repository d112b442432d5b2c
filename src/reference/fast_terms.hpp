// The exponential terms shared by the reference's fast paths for softmax-based outputs
// (fast_row.cpp: the softmax family; fast_softmax_loss.cpp: temperature softmax, the
// temperature-scaled cross-entropy and the comp-sum losses). Compiled for FMA and AVX2 like
// them (CMakeLists.txt). Error budget: proofs/fast-reference.md.
//
// For a row with finite maximum m (first at a), target y and temperature T > 0:
//   d_j = (x_j - m) / T  (T = 1: x_j - m, an exact double-double; else DWDivDW2, 15 u^2),
//   e_j = exp(d_j),  s = sum_{j != a} e_j,  t = sum_{j != y} e_j,
// each sum with an absolute error bound covering exp's error, d_j's, every addition, and the
// terms left out of the sums (below 2^-1021, where a double-double loses bits).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "fp/constants.hpp"
#include "fp/double_double.hpp"
#include "reference/fast_exp.hpp"

namespace softcheck::reference::fast {

// e^d for d.hi below this is < 2^-1075.5: it rounds to +0 in double and every format.
inline constexpr double kTinyExponent = -745.5;
// e^d for d.hi below this is below 2^-1021, where a double-double loses bits to double's
// subnormal range: such terms stay out of the sums and count as an absolute error.
inline constexpr double kSubnormalExponent = -708.0;
// fast_exp's domain starts here (e^-750 < 2^-1082).
inline constexpr double kExpDomain = -750.0;
// Softmax collapse (proofs/fast-reference.md, "Collapse"): s below fp::kDdMarginFloor =
// 2^-900, where double-double sums no longer keep their bits. A row whose s + bound is below
// kCollapseEntry needs the scaled sums of fast_row.cpp's collapsed(), or MPFR.
inline constexpr double kCollapseEntry = fp::kDdMarginFloor / 2;  // 2^-901

// An upper bound on e^d 2^scale for d.hi < -700: 2^(trunc(d.hi / ln 2) + 2 + scale) (trunc
// rounds these negative quotients up; the + 2 covers d.lo and d's own rounding), and at
// least `floor`, which covers the terms whose bound underflows.
double exp_upper_bound(fp::dd::Dd d, int scale, double floor);

// A row's first maximum over its finite entries (-inf entries are masked): its value, its
// index and how many entries are finite; nothing for a row with a NaN or a +inf.
struct RowMaximum {
  double value = 0;
  std::size_t index = 0;
  std::size_t finite = 0;
};
std::optional<RowMaximum> row_maximum(std::span<const double> x);

struct Term {
  fp::dd::Dd value;    // e_j as a plain double-double (0 if tiny, small or masked)
  ScaledDd scaled;     // e_j = m 2^exponent (for d_j >= -750)
  bool tiny = false;   // d_j.hi < kTinyExponent: e_j in (0, 2^-1075.5)
  bool small = false;  // d_j.hi < kSubnormalExponent: e_j < 2^-1021, kept out of the sums
  bool masked = false; // x_j = -inf: e_j = 0
};

class ExpTerms {
 public:
  // d, e, s and t for the row x (no NaN or +inf; m = x[a] its first maximum; `target` may be
  // masked, then t is not meaningful). Where x_j - m (or its quotient by T) overflows, false,
  // or with overflow_is_tiny d_j = -inf and a tiny term (e_j below 2^-1e308).
  bool compute(std::span<const double> x, double m, std::size_t a, std::size_t target,
               double temperature, bool overflow_is_tiny = false);

  std::vector<fp::dd::Dd> d;  // d_j (unset for masked entries)
  std::vector<Term> e;
  // |computed d_j - exact| <= d_relative |d_j| + d_absolute (0 and 0 at T = 1).
  double d_relative = 0, d_absolute = 0;
  // Relative bound of every term's scaled value e_j.scaled (exp's and d_j's errors).
  double term_relative = 0;
  fp::dd::Dd s, t;
  double s_bound = 0, t_bound = 0;  // absolute

  // The absolute bound of d_j.
  double d_bound(std::size_t j) const;

 private:
  std::vector<fp::dd::Dd> exp_in_;
  std::vector<std::size_t> exp_index_;
  std::vector<ScaledDd> exp_out_;
};

}  // namespace softcheck::reference::fast
