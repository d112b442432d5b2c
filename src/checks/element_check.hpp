// One element of a kernel's output against its correctly rounded reference, under a contract.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "checks/contract.hpp"
#include "core/format.hpp"
#include "reference/reference.hpp"

namespace softcheck {

// The named checks of the gate. accuracy: exact value normal in the format (error in ulps of
// the exact result); subnormal: exact value below the smallest normal (error in units of the
// smallest subnormal); special: NaN/inf semantics; sum_to_one: softmax rows (error in eps);
// bounds: the kernel wrote outside its rows (count of elements); crash: an isolated kernel's
// call crashed, exited or timed out (count of failed calls). The H-consistency-inspired
// behaviour checks (checks/behaviour_checks.hpp): ranking: softmax-like rows keep the exact
// order beyond the error bound; descent: cross-entropy gradients stay descent directions;
// risk_order: losses of consecutive rows keep their exact order beyond the bound. bias: the
// mean signed error over a family's outputs that need rounding (checks/rounding_bias.hpp), in
// ulps, one measurement per family tested.
// in_place: an in-place call (out == x) differs from the out-of-place one (checks/in_place.hpp).
// deterministic: a second call on the same batch differs from the first (checks/repeat.hpp;
// only with GateOptions::run_twice).
enum class Check { accuracy, subnormal, special, sum_to_one, bounds, crash, in_place,
                   deterministic, ranking, descent, risk_order, bias };
inline constexpr Check kAllChecks[] = {Check::accuracy,   Check::subnormal, Check::special,
                                       Check::sum_to_one, Check::bounds,    Check::crash,
                                       Check::in_place,   Check::deterministic,
                                       Check::ranking,    Check::descent,   Check::risk_order,
                                       Check::bias};
std::string_view name(Check check);

// What the contract's growth terms need to know about an element's row.
struct ElementContext {
  double gap = 0.0;          // |x_i - max x| + ln n for elements, ln n for row outputs
  std::size_t n = 0;         // row length
  double scale = 0.0;        // max(max finite |x|, ln n)
  bool fully_masked = false; // every logit is -inf
  double output_norm = 0.0;  // max |exact| over the row's finite vector outputs; 0 for scalars
};

// Facts about a row that the growth terms use, and the context of each of its outputs.
struct RowFacts {
  double max;         // largest finite logit (-inf if none)
  double log_n;       // ln max(n, 1)
  double scale;       // max(max finite |x|, ln n)
  bool fully_masked;  // non-empty and every logit is -inf
};
RowFacts row_facts(std::span<const double> row);
ElementContext element_context(const RowFacts& facts, std::span<const double> row,
                               std::size_t i, double output_norm = 0.0);
// max |exact_hi| over the finite entries of a row's vector output (abs_ulp_of_output_norm).
double output_norm(std::span<const reference::Exact> outputs);
ElementContext row_output_context(const RowFacts& facts, std::size_t n);

struct Measurement {
  Check check;
  double error;    // in the check's unit (see Check); +inf for a wrong special or non-finite
  double allowed;  // the contract's allowance in the same unit
  bool pass;
};

Measurement measure_element(double got, const reference::Exact& exact, Format format,
                            const Contract& contract, const ElementContext& context);

// Allowance in ulps for a normal-range element (also used for the sum-to-one check).
double allowed_ulps(const Contract& contract, const ElementContext& context);

}  // namespace softcheck
