// The fast reference path of the sigmoid binary cross-entropy (loss_family_reference.hpp,
// sigmoid_bce_reference.cpp): see fast_row.hpp (fast_sigmoid_bce_row) and
// proofs/fast-reference.md ("Sigmoid BCE").
//
// With v_i = x_i (i != y), -x_y (i = y) and E_i = exp(-|v_i|) in (0, 1]:
//   loss   = sum_i softplus(v_i),  softplus(v) = max(v, 0) + log1p(E)   (terms >= 0)
//   grad_i = sign_i / (1 + E_i) (v_i >= 0),  sign_i E_i / (1 + E_i) (v_i < 0)
// with sign_i = -1 at the target: quotients of positive terms, no cancellation. A row with a
// NaN or an infinity goes to MPFR (the elementwise limits of the special-value table).
#include <cmath>
#include <vector>

#include "fp/constants.hpp"
#include "fp/double_double.hpp"
#include "reference/fast_decide.hpp"
#include "reference/fast_exp.hpp"
#include "reference/fast_row.hpp"
#include "reference/fast_terms.hpp"

namespace softcheck::reference {
namespace {

using namespace fast;

// Below this -|v|, E < 2^-1075.5: the gradient is +-1 or +-0 as a double and in every format
// (1 / (1 + E) within 2^-1075 of 1; E / (1 + E) below 2^-1075.5), and log1p(E) < E joins the
// loss's absolute error.
constexpr double kNegligibleExponent = kTinyExponent;

class FastSigmoidBce {
 public:
  FastSigmoidBce(std::span<const double> x, Format format, std::size_t target)
      : x_(x), format_(format), target_(target), n_(x.size()) {}

  std::optional<LossReference> run() {
    row_.gradient.assign(n_, kZero);
    Dd sum{0, 0};
    double sum_bound = 0;  // absolute: the terms' errors and the left-out terms
    for (std::size_t i = 0; i < n_; ++i) {
      if (!std::isfinite(x_[i])) return std::nullopt;
      const bool at_target = i == target_;
      const double v = at_target ? -x_[i] : x_[i];
      const double a = -std::fabs(v);  // exact
      const double positive_part = std::fmax(v, 0.0);
      if (a < kNegligibleExponent) {
        // E < 2^-1075.5: the term is max(v, 0) + log1p(E), within 2^-1075 of max(v, 0).
        sum = dd::add(sum, positive_part);
        sum_bound += fp::kMinSubnormal;
        const double g = v >= 0 ? 1.0 : 0.0;
        row_.gradient[i] = at_target ? Exact{-g, -g, 0.0} : Exact{g, g, 0.0};
        continue;
      }
      const ScaledDd e = fast_exp({a, 0.0});
      const Dd E = dd::ldexp(e.m, e.exponent);
      const Dd one_plus_E = dd::add(E, 1.0);  // DWPlusFP, 2 u^2
      // The loss term.
      if (a < kSubnormalExponent) {
        sum = dd::add(sum, positive_part);  // log1p(E) <= E < 2^-1021 joins the bound
        sum_bound += exp_upper_bound({a, 0.0}, 0, fp::kMinSubnormal);
      } else {
        const auto log = log1p_of_exp(E);
        if (!log) return std::nullopt;
        sum = dd::add(sum, dd::add(log->value, positive_part));
        sum_bound += log->bound;
      }
      // The gradient: 1 / (1 + E) or E / (1 + E); 1 + E is within E's relative error of its
      // value (E / (1 + E) <= 1), the reciprocal DWDivDW2 (15 u^2), the product DWTimesDW3.
      const Dd reciprocal = dd::div({1.0, 0.0}, one_plus_E);
      const double relative = kFastExpError + 2 * kU2 + 15 * kU2 + kUnderflowSlack;
      const auto g = v >= 0 ? decide_scaled(reciprocal, 0, relative, format_)
                            : decide_scaled(dd::mul(e.m, reciprocal), e.exponent,
                                            relative + kFastExpError + 4 * kU2, format_);
      if (!g) return std::nullopt;
      row_.gradient[i] = at_target ? Exact{-g->rounded, -g->exact_hi, -g->exact_lo} : *g;
    }
    // n non-negative terms, each addition 3.0001 u^2 of a partial sum <= the total (two
    // additions per term: the term's own and the running sum's).
    sum_bound += relative_bound(sum, 2 * (n_ + 1) * dd::kAddDdBound * kU2);
    const auto loss = decide(sum, 0.0, sum_bound, format_);
    if (!loss) return std::nullopt;
    row_.loss = *loss;
    return std::move(row_);
  }

 private:
  std::span<const double> x_;
  Format format_;
  std::size_t target_, n_;
  LossReference row_;
};

}  // namespace

std::optional<LossReference> fast_sigmoid_bce_row(std::span<const double> x, Format format,
                                                  std::size_t target) {
  if (x.empty() || target >= x.size()) return std::nullopt;
  return FastSigmoidBce(x, format, target).run();
}

}  // namespace softcheck::reference
