// oneDNN's softmax_v2 backward as softcheck kernels (onednn_backward.cpp): the names
// registered, outputs on hand rows against a direct long double computation within a loose
// sanity allowance (a wiring test: op, algorithm, input order, format and stride; the gate holds
// the kernels to their contract), padding left alone, empty calls, and the gate on the quick
// suite measuring accuracy. The gate's verdicts are reported (WARN), not asserted: oneDNN may
// deviate from the contract, and docs/ explain what it does. Without oneDNN
// (SOFTCHECK_HAVE_ONEDNN unset) the program skips (exit 77, support/test_skip.hpp).
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "adapters/adapters.hpp"
#include "backward_adapter_checks.hpp"
#include "test_skip.hpp"

#ifndef SOFTCHECK_HAVE_ONEDNN
SOFTCHECK_SKIP_FILE("oneDNN not compiled in (cmake/AdapterOneDNN.cmake did not find it)");
#endif

using namespace softcheck;

namespace {

#ifdef SOFTCHECK_HAVE_ONEDNN
const Registry& all_onednn_kernels() {
  static const Registry registry = [] {
    Registry r;
    adapters::register_onednn_kernels(r);
    return r;
  }();
  return registry;
}

std::vector<const Kernel*> backward_kernels() {
  std::vector<const Kernel*> kernels;
  for (const Kernel& kernel : all_onednn_kernels().all())
    if (in_family(kernel.op, "backward")) kernels.push_back(&kernel);
  return kernels;
}
#endif

}  // namespace

TEST_CASE("oneDNN registers softmax_backward and log_softmax_backward (softmax-v2)") {
#ifdef SOFTCHECK_HAVE_ONEDNN
  std::set<std::string> names;
  for (const Kernel* kernel : backward_kernels()) {
    names.insert(kernel->name());
    CHECK(kernel->provider == "onednn");
    CHECK(kernel->algorithm == "softmax-v2");
    CHECK((kernel->format == Format::f32 || kernel->format == Format::bf16));
  }
  CHECK(names.count("onednn/softmax_backward/f32/softmax-v2") == 1);
  CHECK(names.count("onednn/log_softmax_backward/f32/softmax-v2") == 1);
  Registry again;
  adapters::register_onednn_kernels(again);
  const std::size_t count = again.all().size();
  adapters::register_onednn_kernels(again);
  CHECK(again.all().size() == count);  // idempotent
  std::string list;
  for (const std::string& name : names) list += name + " ";
  WARN("oneDNN backward kernels on this CPU: " << list);
#endif
}

TEST_CASE("oneDNN backward kernels agree with a direct computation on hand rows, strided") {
#ifdef SOFTCHECK_HAVE_ONEDNN
  testing::check_hand_rows(backward_kernels());
#endif
}

TEST_CASE("oneDNN backward kernels do nothing on empty calls") {
#ifdef SOFTCHECK_HAVE_ONEDNN
  testing::check_empty_calls(backward_kernels());
#endif
}

TEST_CASE("the gate measures oneDNN's backward kernels on the quick suite") {
#ifdef SOFTCHECK_HAVE_ONEDNN
  testing::report_quick_gate(backward_kernels());
#endif
}
