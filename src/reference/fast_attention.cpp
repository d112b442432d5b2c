// The double-double path of the attention reference (attention_reference.hpp). Compiled for
// FMA and AVX2 without contraction, like the other fast paths (CMakeLists.txt): the bounds
// below assume every operation as written. Error budget: proofs/attention-reference.md.
#include <algorithm>
#include <cmath>
#include <vector>

#include "fp/double_double.hpp"
#include "fp/two_sum.hpp"
#include "reference/attention_reference.hpp"
#include "reference/fast_decide.hpp"
#include "reference/fast_exp.hpp"

namespace softcheck::reference {
namespace {

namespace dd = fp::dd;
using dd::Dd;
using dd::kU2;
using fast::kBoundSlack;

// Per-operation bounds in units of u^2 (fp/double_double.hpp, Joldes-Muller-Popescu 2017).
constexpr double kAdd = dd::kAddDdBound;  // add(Dd, Dd)
constexpr double kAddDouble = 2;          // add(Dd, double)
constexpr double kMulDouble = 2;          // mul(Dd, double)
constexpr double kMul = 4;                // mul(Dd, Dd)
constexpr double kDiv = 15;               // div(Dd, Dd)
// Below this the path gives up (the budget's first-order terms need it; MPFR takes the row).
constexpr double kMaxArgumentError = 0x1p-30;
// fast_exp's range (fast_exp.hpp): arguments below it are flushed to 0 with this absolute
// error (e^-745 < 2^-1074).
constexpr double kExpFloor = -745.0;
constexpr double kFlushedExp = 0x1p-1074;
// Weights below 2^-900 are flushed to 0 (their double-double low parts would underflow).
constexpr int kWeightExponentFloor = -900;
constexpr double kFlushedWeight = 0x1p-899;

struct Score {
  Dd value;
  double error;  // absolute
};

double magnitude(Dd x) { return std::fabs(x.hi) * kBoundSlack; }

// scale * sum_j q_j k_j, exact products (FMA) summed in double-double.
Score dot_scaled(const double* q, const double* k, std::size_t d, double scale) {
  Dd sum{0.0, 0.0};
  double error = 0.0;
  for (std::size_t j = 0; j < d; ++j) {
    const Dd product = fp::two_prod(q[j], k[j]);
    sum = dd::add(sum, product);
    error += kAdd * kU2 * magnitude(sum);
  }
  const Dd scaled = dd::mul(sum, scale);
  return {scaled, (error * std::fabs(scale) + kMulDouble * kU2 * magnitude(scaled)) * kBoundSlack};
}

// c tanh(s / c) for c > 0. tanh(t) = sign(t) (1 - E) / (1 + E) with E = e^(-2|t|); the
// derivative of that quotient in E is at most 2 in magnitude, tanh's in t at most 1.
Score softcapped(Score s, double c) {
  const Dd t = dd::div(s.value, {c, 0.0});
  const double t_error = s.error / c + kDiv * kU2 * magnitude(t);
  const Dd minus_two_abs = t.hi < 0 ? dd::ldexp(t, 1) : dd::ldexp(dd::negate(t), 1);
  Dd e{0.0, 0.0};
  double e_error = kFlushedExp;
  if (minus_two_abs.hi >= kExpFloor) {
    const ScaledDd scaled = fast_exp(minus_two_abs);
    e = dd::ldexp(scaled.m, scaled.exponent);
    // exp's own error, and the argument's (2 t_error) through e^x - 1 <= x (1 + x).
    e_error = magnitude(e) * (kFastExpError + 2 * t_error * (1 + 2 * t_error)) + kFlushedExp;
  }
  const Dd numerator = dd::add(dd::negate(e), 1.0);
  const Dd denominator = dd::add(e, 1.0);
  Dd tanh_abs = dd::div(numerator, denominator);
  // |numerator|, |denominator| <= 2 and denominator >= 1: each addition's 2 u^2 relative is
  // <= 4 u^2 absolute through the quotient; the quotient's 15 u^2 relative of a value <= 1.
  const double tanh_error = 2 * e_error + 2 * kAddDouble * 2 * kU2 + kDiv * kU2;
  if (t.hi < 0) tanh_abs = dd::negate(tanh_abs);
  const Dd capped = dd::mul(tanh_abs, c);
  return {capped, (c * tanh_error + kMulDouble * kU2 * magnitude(capped)) * kBoundSlack};
}

bool greater(Dd a, Dd b) { return a.hi > b.hi || (a.hi == b.hi && a.lo > b.lo); }

}  // namespace

std::optional<AttentionRowReference> fast_attention_row(const AttentionCase& c, std::size_t row,
                                                        Format lse_format) {
  const std::size_t lk = c.shape.lk, d = c.shape.d;
  const double scale = c.scale();
  const double softcap = c.parameters.softcap;
  // The row's scores, -inf (masked) left out.
  std::vector<std::size_t> keys;
  std::vector<Score> scores;
  keys.reserve(lk);
  scores.reserve(lk);
  for (std::size_t k = 0; k < lk; ++k) {
    if (!c.attended(row, k)) continue;
    const double bias = c.bias.empty() ? 0.0 : c.bias[row * lk + k];
    if (bias == -HUGE_VAL) continue;
    Score s = dot_scaled(&c.q[row * d], &c.k[k * d], d, scale);
    if (softcap > 0) s = softcapped(s, softcap);
    if (bias != 0.0) {
      s.value = dd::add(s.value, bias);
      s.error = (s.error + kAddDouble * kU2 * magnitude(s.value)) * kBoundSlack;
    }
    keys.push_back(k);
    scores.push_back(s);
  }
  if (keys.empty()) return std::nullopt;  // fully masked: the special-value table (MPFR path)
  std::size_t top = 0;
  for (std::size_t i = 1; i < scores.size(); ++i)
    if (greater(scores[i].value, scores[top].value)) top = i;
  const Score max = scores[top];

  // Weights w = exp(s - max) <= 1 (w = 1 exactly at the maximum), their sum L >= 1.
  std::vector<Dd> weights(keys.size());
  std::vector<double> relative(keys.size());  // relative error of each weight
  double absolute = 0.0;                      // flushed weights, in all
  Dd sum{0.0, 0.0};
  double sum_error = 0.0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i == top) {
      weights[i] = {1.0, 0.0};
      relative[i] = 0.0;
    } else {
      const Dd argument = dd::add(scores[i].value, dd::negate(max.value));
      const double argument_error =
          (scores[i].error + max.error + kAdd * kU2 * magnitude(argument)) * kBoundSlack;
      if (argument_error > kMaxArgumentError) return std::nullopt;
      weights[i] = {0.0, 0.0};
      relative[i] = 0.0;
      if (argument.hi >= kExpFloor) {
        const ScaledDd e = fast_exp(argument);
        if (e.exponent >= kWeightExponentFloor) {
          weights[i] = dd::ldexp(e.m, e.exponent);
          relative[i] = kFastExpError + argument_error * (1 + argument_error);
        }
      }
      if (weights[i].hi == 0.0) absolute += kFlushedWeight;
    }
    sum = dd::add(sum, weights[i]);
    sum_error += kAdd * kU2 * magnitude(sum) + relative[i] * magnitude(weights[i]);
  }
  sum_error = (sum_error + absolute) * kBoundSlack;
  const double sum_relative = sum_error / sum.hi;  // sum >= 1
  if (sum_relative > kMaxArgumentError) return std::nullopt;

  AttentionRowReference result;
  result.out.resize(d);
  for (std::size_t j = 0; j < d; ++j) {
    Dd numerator{0.0, 0.0};
    double error = 0.0;
    double max_abs_v = 0.0;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const double v = c.v[keys[i] * d + j];
      const Dd product = dd::mul(weights[i], v);
      numerator = dd::add(numerator, product);
      error += (kMulDouble * kU2 + relative[i]) * magnitude(product) + kAdd * kU2 * magnitude(numerator);
      max_abs_v = std::max(max_abs_v, std::fabs(v));
    }
    error = (error + absolute * max_abs_v) * kBoundSlack;
    const Dd quotient = dd::div(numerator, sum);
    // |N/L - N'/L'| <= |N - N'| / L + |N'/L'| |L - L'| / L, with L >= L' (1 - sum_relative).
    const double bound = ((error / sum.hi + magnitude(quotient) * sum_relative) * (1 + 2 * sum_relative) +
                          kDiv * kU2 * magnitude(quotient)) * kBoundSlack + fast::kUnderflowSlack;
    const auto decided = fast::decide(quotient, 0.0, bound, c.format);
    if (!decided) return std::nullopt;
    result.out[j] = *decided;
  }

  // LSE = max + log1p(L - 1).
  const Dd sum_minus_one = dd::add(sum, -1.0);
  if (sum_minus_one.hi < 0) return std::nullopt;
  const auto log = fast::log1p_bounded(
      sum_minus_one, sum_error + kAddDouble * kU2 * magnitude(sum_minus_one), sum, sum_error);
  if (!log) return std::nullopt;
  const Dd lse = dd::add(max.value, log->value);
  const double lse_bound = (max.error + log->bound + kAdd * kU2 * magnitude(lse)) * kBoundSlack;
  const auto decided = fast::decide(lse, 0.0, lse_bound, lse_format);
  if (!decided) return std::nullopt;
  result.lse = *decided;
  return result;
}

}  // namespace softcheck::reference
