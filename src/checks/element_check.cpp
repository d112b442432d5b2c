#include "checks/element_check.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fp/constants.hpp"

namespace softcheck {
namespace {

Measurement special_outcome(double got, const reference::Exact& exact, const Contract& contract,
                            const ElementContext& context) {
  bool pass = false;
  if (std::isnan(exact.rounded)) {
    const bool zero_allowed = context.fully_masked &&
                              contract.fully_masked != FullyMaskedOutcome::nan;
    const bool nan_allowed = !context.fully_masked ||
                             contract.fully_masked != FullyMaskedOutcome::zero;
    pass = (std::isnan(got) && nan_allowed) || (got == 0.0 && zero_allowed);
  } else {
    pass = got == exact.rounded;  // same infinity
  }
  return {Check::special, pass ? 0.0 : fp::kInf<double>, 0.0, pass};
}

// |got - exact| with exact = hi + lo, to about 106 bits.
double distance(double got, const reference::Exact& exact) {
  return std::fabs((got - exact.exact_hi) - exact.exact_lo);
}

}  // namespace

std::string_view name(Check check) {
  switch (check) {
    case Check::accuracy: return "accuracy";
    case Check::subnormal: return "subnormal";
    case Check::special: return "special";
    case Check::sum_to_one: return "sum_to_one";
    case Check::bounds: return "bounds";
    case Check::crash: return "crash";
    case Check::in_place: return "in_place";
    case Check::deterministic: return "deterministic";
    case Check::ranking: return "ranking";
    case Check::descent: return "descent";
    case Check::risk_order: return "risk_order";
    case Check::bias: return "bias";
  }
  return "?";
}

RowFacts row_facts(std::span<const double> row) {
  RowFacts facts{-HUGE_VAL, std::log(std::max<double>(1.0, row.size())), 0.0, !row.empty()};
  for (double x : row) {
    if (x != -HUGE_VAL) facts.fully_masked = false;
    if (std::isfinite(x)) {
      facts.max = std::max(facts.max, x);
      facts.scale = std::max(facts.scale, std::fabs(x));
    }
  }
  facts.scale = std::max(facts.scale, facts.log_n);
  return facts;
}

ElementContext element_context(const RowFacts& facts, std::span<const double> row,
                               std::size_t i, double output_norm) {
  const double gap = std::isfinite(row[i]) ? std::fabs(row[i] - facts.max) : 0.0;
  return {gap + facts.log_n, row.size(), facts.scale, facts.fully_masked, output_norm};
}

double output_norm(std::span<const reference::Exact> outputs) {
  double norm = 0.0;
  for (const reference::Exact& e : outputs)
    if (std::isfinite(e.exact_hi)) norm = std::max(norm, std::fabs(e.exact_hi));
  return norm;
}

ElementContext row_output_context(const RowFacts& facts, std::size_t n) {
  return {facts.log_n, n, facts.scale, facts.fully_masked};
}

double allowed_ulps(const Contract& contract, const ElementContext& context) {
  const double terms = context.n > 0 ? static_cast<double>(context.n - 1) : 0.0;
  // The gap |x_i - max| overflows to +inf for logits of opposite signs near +-max; without
  // a gap term (StableMax) that must not turn into 0 * inf = NaN.
  const double gap = contract.ulp_per_gap > 0 ? contract.ulp_per_gap * context.gap : 0.0;
  return contract.max_ulp + gap + contract.ulp_per_element * terms;
}

Measurement measure_element(double got, const reference::Exact& exact, Format format,
                            const Contract& contract, const ElementContext& context) {
  if (!std::isfinite(exact.rounded)) return special_outcome(got, exact, contract, context);

  const bool normal = std::fabs(exact.exact_hi) >= min_normal(format);
  const Check check = normal ? Check::accuracy : Check::subnormal;
  if (!std::isfinite(got)) return {check, fp::kInf<double>, 0.0, false};

  // Below the smallest normal the ulp is denorm_min, so the relative allowance of the
  // accuracy check, counted in units of denorm_min, carries over; subnormal_ulp is a floor.
  const double unit = normal ? ulp(exact.exact_hi, format) : denorm_min(format);
  const double error = distance(got, exact) / unit;
  const double allowed = normal ? allowed_ulps(contract, context)
                                : std::max(contract.subnormal_ulp, allowed_ulps(contract, context));
  const bool flushed = !normal && contract.flush_subnormals && got == 0.0;
  bool pass = got == exact.rounded || flushed || error <= allowed;
  if (!pass && contract.abs_ulp_of_scale > 0.0) {
    pass = distance(got, exact) <= contract.abs_ulp_of_scale * ulp(context.scale, format);
  }
  if (!pass && contract.abs_ulp_of_output_norm > 0.0 && context.output_norm > 0.0) {
    pass = distance(got, exact) <=
           contract.abs_ulp_of_output_norm * ulp(context.output_norm, format);
  }
  if (!pass && contract.abs_eps > 0.0)
    pass = distance(got, exact) <= contract.abs_eps * epsilon(format);
  return {check, error, allowed, pass};
}

}  // namespace softcheck
