// The fast paths' exponential terms and their sums: see fast_terms.hpp and
// proofs/fast-reference.md.
#include "reference/fast_terms.hpp"

#include <cmath>

#include "core/double_bits.hpp"
#include "fp/two_sum.hpp"
#include "reference/fast_decide.hpp"

namespace softcheck::reference::fast {

// The largest |d_j| whose e_j is used at all (fast_exp's domain, kExpDomain), rounded up.
constexpr double kLargestUsedArgument = 751.0;
// An absolute slack for d_j = (x_j - m) / T near double's subnormal range, where DWDivDW2's
// low part (and at the very bottom its high part) loses bits: a few 2^-1074, taken as 2^14.
constexpr double kDivisionUnderflowSlack = 0x1p-1060;

double exp_upper_bound(Dd d, int scale, double floor) {
  const double log2_term = std::fmax(d.hi / std::log(2.0), -3000.0) + 2 + scale;
  return std::fmax(scale2(1.0, static_cast<int>(log2_term)), floor);
}

std::optional<RowMaximum> row_maximum(std::span<const double> x) {
  RowMaximum m;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i] == -HUGE_VAL) continue;  // masked
    if (!std::isfinite(x[i])) return std::nullopt;
    if (m.finite == 0 || x[i] > m.value) m.value = x[i], m.index = i;
    ++m.finite;
  }
  return m;
}

double ExpTerms::d_bound(std::size_t j) const {
  return (std::fabs(d[j].hi) * d_relative + d_absolute) * kBoundSlack;
}

bool ExpTerms::compute(std::span<const double> x, double m, std::size_t a, std::size_t target,
                       double temperature, bool overflow_is_tiny) {
  const std::size_t n = x.size();
  d.resize(n);
  e.assign(n, Term{});
  const bool scaled = temperature != 1.0;
  d_relative = scaled ? 15 * kU2 : 0.0;  // DWDivDW2 by {T, 0}
  d_absolute = scaled ? kDivisionUnderflowSlack : 0.0;
  // e^(d + delta) = e^d (1 + theta), |theta| <= |delta| (1 + |delta|): delta <= 2^-90 here.
  term_relative =
      kFastExpError + (kLargestUsedArgument * d_relative + d_absolute) * (1 + 0x1p-30);
  // d_j, and e_j for every entry in exp's domain (d_j >= -750) in one batch.
  exp_in_.clear();
  exp_index_.clear();
  for (std::size_t j = 0; j < n; ++j) {
    if (x[j] == -HUGE_VAL) {
      e[j].masked = true;
      continue;
    }
    d[j] = fp::two_sum(x[j], -m);
    if (scaled) d[j] = dd::div(d[j], {temperature, 0.0});
    if (!std::isfinite(d[j].hi) || !std::isfinite(d[j].lo)) {
      if (!overflow_is_tiny || !(d[j].hi < 0)) return false;
      d[j] = {-HUGE_VAL, 0.0};  // below -2^1023: e_j tiny (bounded by exp_upper_bound's floor)
      continue;
    }
    if (d[j].hi >= kExpDomain) {
      exp_in_.push_back(d[j]);
      exp_index_.push_back(j);
    }
  }
  exp_out_.resize(exp_in_.size());
  fast_exp_batch(exp_in_, exp_out_);
  for (std::size_t k = 0; k < exp_index_.size(); ++k) e[exp_index_[k]].scaled = exp_out_[k];
  // The sum over j not in {a, y}, in four interleaved partial sums (for instruction-level
  // parallelism; the bound below counts every addition, whatever the order).
  Dd partial[4] = {};
  double tiny_mass = 0;
  std::size_t additions = 0;
  for (std::size_t j = 0; j < n; ++j) {
    Term& term = e[j];
    if (term.masked) continue;
    if (d[j].hi < kSubnormalExponent) {
      // e_j <= 2^(d_j / ln 2 + 1): an absolute error of the sums instead of a term.
      term.small = true;
      term.tiny = d[j].hi < kTinyExponent;
      tiny_mass += exp_upper_bound(d[j], 0, fp::kMinSubnormal);
    } else {
      term.value = dd::ldexp(term.scaled.m, term.scaled.exponent);
      if (std::fabs(term.value.hi) < fp::kDdNormalFloor)
        tiny_mass += fp::kSubnormalSlack;  // lo may underflow
    }
    if (j == a || j == target) continue;
    partial[j % 4] = dd::add(partial[j % 4], term.value);
    ++additions;
  }
  const Dd q = dd::add(dd::add(partial[0], partial[1]), dd::add(partial[2], partial[3]));
  additions += 3;
  // Non-negative terms, each within term_relative; every addition adds 3.0001 u^2 of a partial
  // sum <= the final one.
  const double sum_relative = term_relative + (additions + 2) * dd::kAddDdBound * kU2;
  const bool target_masked = x[target] == -HUGE_VAL;
  const bool y_in_q = target == a || target_masked;
  const Dd e_y = y_in_q ? Dd{0, 0} : e[target].value;
  s = y_in_q ? q : dd::add(q, e_y);
  s_bound = relative_bound(s, sum_relative) + tiny_mass;
  t = target == a ? q : dd::add(q, 1.0);  // sum_{j != y} e_j (unused if y is masked)
  t_bound = relative_bound(t, sum_relative + 2 * kU2) + tiny_mass;
  return true;
}

}  // namespace softcheck::reference::fast
