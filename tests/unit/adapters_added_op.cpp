// An op added from outside src/, with inputs the built-in ops do not have (the logits and dy)
// and one output per row, flows through the gate, its JSON and JUnit writers and the vector
// files without an edit to any of them: the op table (core/op.hpp), one reference
// registration (reference/op_reference.hpp) and a kernel are all it takes
// (docs/architecture.md, "Adding an op").
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "adapters/isolation.hpp"
#include "adapters/vectors_export.hpp"
#include "adapters/vectors_kernel.hpp"
#include "adapters/vectors_npy.hpp"
#include "checks/gate.hpp"
#include "core/op.hpp"
#include "gate_test_support.hpp"
#include "temp_dir.hpp"
#include "reference/op_reference.hpp"
#include "report/gate_report.hpp"

using namespace softcheck;
namespace fs = std::filesystem;

namespace {

// dy_at_max(x, dy) = dy at the first position of the row's maximum logit; NaN when the row
// holds a NaN or is empty. The exact value is an input, so it is its own correct rounding.
double dy_at_max(std::span<const double> x, std::span<const double> dy) {
  if (x.empty() || std::any_of(x.begin(), x.end(), [](double v) { return std::isnan(v); }))
    return NAN;
  return dy[static_cast<std::size_t>(std::max_element(x.begin(), x.end()) - x.begin())];
}

Op added_op() {
  static const Op op = [] {
    const Op added = register_op({.name = "dy_at_max",
                                  .family = "test",
                                  .inputs = {Input::logits, Input::dy},
                                  .outputs = Outputs::per_row,
                                  .vector_files = true});
    reference::register_reference(
        {{added},
         [](const reference::RowInputs& row, Format, const LossParameters&,
            const reference::ReferenceOptions&) {
           const double v = dy_at_max(row.logits, row[Input::dy]);
           return std::vector<reference::OpRow>{{{}, {v, v, 0.0}}};
         },
         false});
    return added;
  }();
  return op;
}

// The kernel: f32 rows of x and dy, one f32 per row; `last_max` plants a bug (ties resolved
// to the last maximum), which the tie families of the gate expose.
Kernel dy_at_max_kernel(bool last_max) {
  return {added_op(), Format::f32, last_max ? "last-max" : "first-max", "test",
          [last_max](const KernelCall& call) {
            const auto* x = static_cast<const float*>(call.x);
            const auto* dy = static_cast<const float*>(call.input(Input::dy));
            auto* out = static_cast<float*>(call.out);
            for (std::size_t r = 0; r < call.rows; ++r) {
              const float* xr = x + r * call.stride;
              const float* dyr = dy + r * call.stride;
              std::size_t at = 0;
              bool nan = call.n == 0;
              for (std::size_t i = 0; i < call.n; ++i) {
                if (std::isnan(xr[i])) nan = true;
                if (xr[i] > xr[at] || (last_max && xr[i] == xr[at])) at = i;
              }
              out[r] = nan ? NAN : dyr[at];
            }
          },
          {}};
}

using testing::TempDir;

GateResult gate(const std::vector<const Kernel*>& kernels) {
  return run_gate(kernels, ContractSet::builtin(), testing::quick_gate_options());
}

}  // namespace

TEST_CASE("an op added from tests/ is in the table") {
  const Op op = added_op();
  CHECK(parse_op("dy_at_max") == op);
  CHECK(op.spec().takes(Input::dy));
  CHECK(has_row_output(op));
  CHECK(op_names().find("dy_at_max") != std::string::npos);
}

TEST_CASE("the gate checks an added op against its reference and catches a planted bug") {
  const Kernel good = dy_at_max_kernel(false), bad = dy_at_max_kernel(true);
  const GateResult result = gate({&good, &bad});
  const KernelResult& pass = result.kernels[0];
  const KernelResult& fail = result.kernels[1];
  CHECK(pass.verdict == Verdict::pass);
  CHECK(pass.checks.at(Check::accuracy).elements > 0);
  CHECK(fail.verdict == Verdict::fail);
  CHECK(fail.checks.at(Check::accuracy).violations > 0);
  REQUIRE_FALSE(fail.reproducers.empty());
  CHECK(fail.reproducers.front().output == "out");

  std::ostringstream json, junit;
  write_gate_json(json, result, {"test", "test"});
  write_gate_junit(junit, result, {"test", "test"});
  CHECK(json.str().find("\"test/dy_at_max/f32/first-max\"") != std::string::npos);
  CHECK(json.str().find("\"op\": \"dy_at_max\"") != std::string::npos);
  CHECK(junit.str().find("test/dy_at_max/f32/last-max") != std::string::npos);
  CHECK(junit.str().find("<failure") != std::string::npos);
}

TEST_CASE("an isolated kernel of an added op gets its second input in the worker process") {
  const Kernel direct = dy_at_max_kernel(false);
  Kernel isolated = direct;
  isolated.provider = "isolated";
  isolated.run = isolate(direct.run, direct.op, direct.format);
  const GateResult result = gate({&isolated});
  CHECK(result.kernels.front().verdict == Verdict::pass);
  CHECK(result.kernels.front().checks.at(Check::accuracy).elements > 0);
  CHECK(result.kernels.front().checks.at(Check::crash).elements == 2);  // the zero-size calls
  CHECK(result.kernels.front().checks.at(Check::crash).violations == 0);
}

TEST_CASE("an added op round-trips through vector files, its second input included") {
  const Op op = added_op();
  TempDir dir("softcheck-added-op");
  const vectors::Manifest manifest = vectors::export_vectors(
      dir.path(), {Suite::quick, testing::seed(), {op}, {Format::f32}});
  REQUIRE_FALSE(manifest.cases.empty());
  // The framework's side: reads x and dy from the files, writes one output per row.
  const Kernel kernel = dy_at_max_kernel(false);
  for (const vectors::VectorCase& c : manifest.cases) {
    REQUIRE(c.other_inputs.contains("dy"));
    const vectors::NpyArray x = vectors::read_npy(dir.path() / c.input);
    const vectors::NpyArray dy = vectors::read_npy(dir.path() / c.other_inputs.at("dy"));
    std::vector<std::byte> out(c.rows * sizeof(float));
    KernelCall call{x.data.data(), out.data(), nullptr, nullptr, c.rows, c.n, c.n};
    call.inputs[static_cast<std::size_t>(Input::dy)] = dy.data.data();
    kernel.run(call);
    fs::create_directories((dir.path() / c.output).parent_path());
    vectors::write_npy(dir.path() / c.output, vectors::npy_dtype(c.format), c.output_shape(), out);
  }
  const vectors::VectorSet set = vectors::VectorSet::open(dir.path(), "framework");
  REQUIRE(set.kernels().size() == 1);
  GateOptions options = testing::quick_gate_options();
  options.probe_calls = false;  // stored outputs: nothing to call (as `vectors check`)
  options.include_batch = [&set](const Kernel& k, const std::string& family, std::size_t b) {
    return set.includes(k, family, b);
  };
  const GateResult result = run_gate(set.kernels(), ContractSet::builtin(), options);
  CHECK(result.kernels.front().kernel->name() == "vectors:framework/dy_at_max/f32/outputs");
  CHECK(result.kernels.front().verdict == Verdict::pass);
  CHECK(result.kernels.front().checks.at(Check::accuracy).elements > 0);

  // A dy file that does not match the suite is refused, naming the file.
  const vectors::VectorCase& first = manifest.cases.front();
  vectors::NpyArray dy = vectors::read_npy(dir.path() / first.other_inputs.at("dy"));
  dy.data[0] = static_cast<std::byte>(static_cast<unsigned char>(dy.data[0]) ^ 1u);
  vectors::write_npy(dir.path() / first.other_inputs.at("dy"), vectors::npy_dtype(first.format),
                     {first.rows, first.n}, dy.data);
  CHECK_THROWS_WITH(vectors::VectorSet::open(dir.path(), "framework"),
                    Catch::Contains(first.other_inputs.at("dy")));
}
