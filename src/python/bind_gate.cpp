// softcheck.gate(): the gate on kernels selected by globs - row kernels and attention kernels -
// returned as the JSON document `softcheck gate --json` writes (the package parses it into a
// dict; attention's results under "attention").
#include <optional>
#include <sstream>

#include "checks/attention_gate.hpp"
#include "checks/gate.hpp"
#include "python/bindings.hpp"
#include "report/gate_report.hpp"

namespace softcheck::python {
namespace {

std::string gate_json(const std::vector<std::string>& globs, const std::string& suite_name,
                      std::uint64_t seed, bool strict, unsigned threads,
                      const std::vector<std::string>& contract_files) {
  ensure_registered();
  const auto suite = parse_suite(suite_name);
  if (!suite) throw py::value_error("unknown suite '" + suite_name + "' (expected quick, default or deep)");
  if (globs.empty()) throw py::value_error("select kernels with at least one glob");
  std::vector<const Kernel*> kernels;
  std::vector<const AttentionKernel*> attention_kernels;
  for (const std::string& glob : globs) {
    const auto found = Registry::instance().match(glob);
    const auto attention_found = AttentionRegistry::instance().match(glob);
    if (found.empty() && attention_found.empty())
      throw py::value_error("no kernel matches '" + glob + "'");
    for (const Kernel* k : found)
      if (std::find(kernels.begin(), kernels.end(), k) == kernels.end()) kernels.push_back(k);
    for (const AttentionKernel* k : attention_found)
      if (std::find(attention_kernels.begin(), attention_kernels.end(), k) == attention_kernels.end())
        attention_kernels.push_back(k);
  }
  ContractSet contracts = strict ? ContractSet::strict() : ContractSet::builtin();
  for (const std::string& path : contract_files) contracts.add_file(path);  // ContractError: RuntimeError
  GateOptions options;
  options.suite = *suite;
  options.seed = seed;
  options.threads = std::max(1u, threads);
  GateResult result;
  result.seed = seed;
  result.suite = *suite;
  std::optional<AttentionGateResult> attention;
  {
    py::gil_scoped_release release;
    if (!kernels.empty()) result = run_gate(kernels, contracts, options);
    if (!attention_kernels.empty()) {
      AttentionGateOptions attention_options;
      attention_options.suite = *suite;
      attention_options.seed = seed;
      attention_options.threads = options.threads;
      attention = run_attention_gate(attention_kernels, attention_options);
    }
  }
  std::string command = "softcheck gate --suite " + suite_name + " --seed " + std::to_string(seed);
  for (const std::string& glob : globs) command += " --kernel '" + glob + "'";
  if (strict) command += " --strict";
  std::ostringstream out;
  write_gate_json(out, result, {command, SOFTCHECK_VERSION}, attention ? &*attention : nullptr);
  return out.str();
}

}  // namespace

void bind_gate(py::module_& m) {
  m.def("gate_json", &gate_json, py::arg("kernels"), py::arg("suite") = "quick",
        py::arg("seed") = 1, py::arg("strict") = false, py::arg("threads") = 2,
        py::arg("contracts") = std::vector<std::string>{});
}

}  // namespace softcheck::python
