// Contracts: what a kernel promises, as data.
//
// A contract file is JSON: {"rules": [{"kernel": GLOB, FIELD: VALUE, ...}, ...]}. Rules apply
// in order to every kernel whose name matches GLOB; later rules override earlier ones field
// by field. softcheck's strict defaults (contracts/builtin.json) come first, then the
// properties providers declare (contracts/providers/*.json; both compiled in), then any file
// given with --contract. See README.md "Contracts" for the meaning of each field.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace softcheck {

enum class FullyMaskedOutcome { nan, zero, nan_or_zero };

struct Contract {
  // Allowed error, in ulps of the exact result, for an element whose exact value is a normal
  // number of the format:
  //   max_ulp + ulp_per_gap * |x_i - max x| + ulp_per_element * (n - 1)
  // For row outputs (logsumexp, cross-entropy loss) the gap term is 0. An element is also
  // accepted when |got - exact| <= abs_ulp_of_scale * ulp(max(max|x|, ln n)) (the
  // conditioning of logsumexp where it crosses zero).
  double max_ulp = 1.0;
  double ulp_per_gap = 0.0;
  double ulp_per_element = 0.0;
  double abs_ulp_of_scale = 0.0;
  // An element of a row's vector output (softmax-like outputs, gradients) is also accepted
  // when |got - exact| <= abs_ulp_of_output_norm * ulp(max_j |exact_j|): a normwise bound,
  // for outputs that cancel to values far below the row's largest (the Z-loss gradient).
  double abs_ulp_of_output_norm = 0.0;
  // An element is also accepted when |got - exact| <= abs_eps * eps(format): an absolute
  // bound, for kernels that drop outputs below a threshold (chunked cross-entropy's gradient
  // filtering, src/kernels/chunked_ce.hpp).
  double abs_eps = 0.0;
  // Exact value below the smallest normal: |got - exact| <= a * denorm_min with
  // a = max(subnormal_ulp, the accuracy allowance in ulps), or got == 0 when flush_subnormals.
  double subnormal_ulp = 1.0;
  bool flush_subnormals = false;
  // softmax: |sum(got) - 1| <= eps * (sum_slack + ulp_per_element * (n - 1) +
  //                                   ulp_per_gap * ln n) + n * subnormal_ulp * denorm_min
  double sum_slack = 1.0;
  // Special values: NaN/inf semantics of README's table; a fully masked row may give
  // NaN (the reference), zeros, or either.
  bool special_values = true;
  FullyMaskedOutcome fully_masked = FullyMaskedOutcome::nan;
  // Rounding bias: the mean signed error, in ulps, that the bias check tolerates beyond its
  // statistical threshold (checks/rounding_bias.hpp); 0 for a kernel that rounds to nearest.
  double max_bias_ulp = 0.0;
  // Zero-size calls (rows = 0, or rows of n = 0): a clean error the provider declares it
  // raises there (a library that refuses empty tensors) is accepted; a crash never is.
  bool empty_error = false;
  // The kernel may be called with out == the input buffer (in place); the gate then checks
  // that call too.
  bool in_place = false;
  // "pass": every check must hold. "fail": the kernel is known to violate its contract
  // (e.g. the naive overflow baseline); its failures are reported but do not fail the gate,
  // while an unexpected pass does. `reason` says why.
  bool expect_fail = false;
  std::string reason;

  bool operator==(const Contract&) const = default;
};

class ContractError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ContractSet {
 public:
  // softcheck's strict default contracts (contracts/builtin.json).
  static ContractSet strict();
  // The defaults plus the properties each provider declares (contracts/providers/*.json).
  static ContractSet builtin();
  // Append the rules of a JSON document; `origin` names it in error messages.
  // Throws ContractError on malformed JSON, unknown fields or wrong value types.
  void add_rules(std::string_view json_text, const std::string& origin);
  void add_file(const std::string& path);
  Contract resolve(std::string_view kernel_name) const;

 private:
  struct Rule {
    std::string glob;
    std::string origin;
    std::string fields_json;  // the rule's fields, validated, applied by resolve()
  };
  std::vector<Rule> rules_;
};

std::string_view name(FullyMaskedOutcome outcome);

}  // namespace softcheck
