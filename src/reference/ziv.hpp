// Ziv's strategy, shared by the oracles: validate a working-precision schedule, then enclose
// and decide at growing precision until every output is decided.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/format.hpp"
#include "reference/reference.hpp"

namespace softcheck::reference {

// The schedule with initial_precision 0 replaced by default_initial_precision(format).
// Throws std::invalid_argument for a precision outside [2, max_precision].
ReferenceOptions resolved_schedule(const ReferenceOptions& options, Format format);

// Calls step(precision) with the schedule's precisions, doubling, until it returns true
// (every output decided). Throws std::runtime_error past max_precision (never expected:
// see proofs/reference-enclosure.md and proofs/stablemax-reference.md).
template <class Step>
void ziv_loop(const ReferenceOptions& schedule, Step&& step) {
  for (int precision = schedule.initial_precision;;) {
    if (step(precision)) return;
    if (precision >= schedule.max_precision)
      throw std::runtime_error("softcheck reference: rounding undecided at " +
                               std::to_string(precision) + " bits");
    precision = static_cast<int>(std::min(2LL * precision, 1LL * schedule.max_precision));
  }
}

}  // namespace softcheck::reference
