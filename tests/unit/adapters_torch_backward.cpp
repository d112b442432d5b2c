// libtorch's softmax backward kernels (torch_kernels.cpp: at::_softmax_backward_data,
// at::_log_softmax_backward_data): the names registered, outputs on hand rows against a direct
// long double computation within a loose sanity allowance (a wiring test: op, input order,
// dtype and stride; the gate holds the kernels to their contract), padding left alone, empty
// calls, and the gate on the quick suite measuring accuracy. The gate's verdicts are reported
// (WARN), not asserted: libtorch may deviate from the contract, and docs/ explain what it does.
// The kernels are the registered (isolated) ones. Without libtorch (SOFTCHECK_HAVE_TORCH
// unset) the program skips (exit 77, support/test_skip.hpp).
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "adapters/adapters.hpp"
#include "backward_adapter_checks.hpp"
#include "test_skip.hpp"

#ifndef SOFTCHECK_HAVE_TORCH
SOFTCHECK_SKIP_FILE("libtorch not compiled in (cmake/AdapterTorch.cmake did not find it)");
#endif

using namespace softcheck;

namespace {

#ifdef SOFTCHECK_HAVE_TORCH
const Registry& torch_registry() {
  static const Registry registry = [] {
    Registry r;
    adapters::register_torch_kernels(r);
    return r;
  }();
  return registry;
}

std::vector<const Kernel*> torch_backward_kernels() {
  std::vector<const Kernel*> kernels;
  for (const Kernel& kernel : torch_registry().all())
    if (in_family(kernel.op, "backward")) kernels.push_back(&kernel);
  return kernels;
}
#endif

}  // namespace

TEST_CASE("torch registers softmax_backward and log_softmax_backward (aten) in f64, f32, bf16") {
#ifdef SOFTCHECK_HAVE_TORCH
  std::set<std::string> names;
  for (const Kernel* kernel : torch_backward_kernels()) {
    names.insert(kernel->name());
    CHECK(kernel->provider == "torch");
    CHECK(static_cast<bool>(kernel->run));
  }
  const std::set<std::string> expected = {
      "torch/softmax_backward/f64/aten",      "torch/softmax_backward/f32/aten",
      "torch/softmax_backward/bf16/aten",     "torch/log_softmax_backward/f64/aten",
      "torch/log_softmax_backward/f32/aten",  "torch/log_softmax_backward/bf16/aten"};
  CHECK(names == expected);  // no f16: 1.13's CPU backward has no Half kernel (torch_register.cpp)
  Registry again;
  adapters::register_torch_kernels(again);
  const std::size_t count = again.all().size();
  adapters::register_torch_kernels(again);
  CHECK(again.all().size() == count);  // idempotent
  std::string list;
  for (const std::string& name : names) list += name + " ";
  WARN("torch backward kernels: " << list);
#endif
}

TEST_CASE("torch backward kernels agree with a direct computation on hand rows, strided") {
#ifdef SOFTCHECK_HAVE_TORCH
  testing::check_hand_rows(torch_backward_kernels());
#endif
}

TEST_CASE("torch backward kernels do nothing on empty calls") {
#ifdef SOFTCHECK_HAVE_TORCH
  testing::check_empty_calls(torch_backward_kernels());
#endif
}

TEST_CASE("the gate measures torch's backward kernels on the quick suite") {
#ifdef SOFTCHECK_HAVE_TORCH
  testing::report_quick_gate(torch_backward_kernels());
#endif
}
