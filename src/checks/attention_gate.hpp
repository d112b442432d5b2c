// The attention gate: run the attention families (core/attention_families.hpp) through the
// selected attention kernels, check every element of O and every LSE against the correctly
// rounded reference (reference/attention_reference.hpp) under the conditioning-derived
// contract (attention_contract.hpp), and fully masked rows against the special-value table
// or what the kernel declares. Cases a kernel declares it does not take are counted apart.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/attention_families.hpp"
#include "kernels/attention_kernel.hpp"

namespace softcheck {

// The checks, by name: "output" (elements of O), "lse", "masked-row" (fully masked rows),
// "crash" (the call threw or its worker died).

struct AttentionGateOptions {
  Suite suite = Suite::standard;
  std::uint64_t seed = 1;
  unsigned threads = 2;  // for the reference stage
  bool fast_path = true;  // false: every reference row in MPFR
  std::size_t reproducers_per_check = 3;
  std::string family_glob = "*";  // only families whose name matches
  std::function<void(const std::string&)> progress;  // optional, one line per stage
  // Optional: whether `kernel` runs case `index` of `family` (vector files hold some cases).
  std::function<bool(const AttentionKernel& kernel, const std::string& family, std::size_t index)>
      include_case;
};

struct AttentionCheckStats {
  std::size_t checked = 0;
  std::size_t violations = 0;
  double worst_ratio = 0.0;  // largest error / allowance (inf: a non-finite output)
  std::size_t vacuous = 0;   // values the conditioning bound says nothing about (O: held to
                             // the convex hull of V; LSE: unchecked)
  std::size_t kept = 0;      // violations kept in AttentionKernelResult::reproducers
};

struct AttentionViolation {
  std::string kernel;
  std::string check;
  std::string family;
  std::uint64_t family_seed = 0;
  std::size_t case_index = 0;
  std::size_t row = 0;
  std::size_t column = 0;  // element of O; 0 for lse and masked rows
  double got = 0.0;
  double expected = 0.0;   // correctly rounded reference (NaN for masked rows declared NaN)
  double exact = 0.0;
  double error = 0.0;
  double allowed = 0.0;
  std::string description;  // the case: shape, mask, scale, softcap
  std::string message;      // crash: what happened
};

struct AttentionKernelResult {
  const AttentionKernel* kernel = nullptr;
  std::size_t cases = 0;                      // cases run
  std::map<std::string, std::size_t> refused;  // declared limits: reason -> cases
  std::map<std::string, AttentionCheckStats> checks;
  std::vector<AttentionViolation> reproducers;
  bool passed() const;
  std::size_t violations() const;
};

struct AttentionGateResult {
  std::vector<AttentionKernelResult> kernels;
  std::uint64_t seed = 0;
  Suite suite = Suite::standard;
  std::size_t cases = 0;             // distinct (family, format, case) references computed
  std::size_t reference_rows = 0;
  std::size_t mpfr_rows = 0;         // of which MPFR decided
  double seconds = 0.0;
  bool ok() const;
};

AttentionGateResult run_attention_gate(const std::vector<const AttentionKernel*>& kernels,
                                       const AttentionGateOptions& options);

// The command that replays a violation's family for its kernel.
std::string replay_command(const AttentionViolation& v, Suite suite, std::uint64_t seed);

}  // namespace softcheck
