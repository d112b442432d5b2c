// The XNNPACK adapter: its kernel name, accuracy on hand rows against the correctly rounded
// reference, strided rows (padding untouched), and empty calls. Without XNNPACK
// (SOFTCHECK_HAVE_XNNPACK unset) the program skips (exit 77, support/test_skip.hpp): ctest
// reports it Skipped.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "adapters/adapters.hpp"
#include "core/format.hpp"
#include "reference/reference.hpp"
#include "test_skip.hpp"

#ifndef SOFTCHECK_HAVE_XNNPACK
SOFTCHECK_SKIP_FILE("XNNPACK not compiled in (cmake/AdapterXNNPACK.cmake did not find it)");
#endif

using namespace softcheck;

namespace {

// Output padding: a value no softmax produces.
constexpr float kSentinel = -12345.0f;
// Hand rows: a small row, mixed signs, ties (exact 1/4), exp(x) past f32 overflow, and a
// row longer than XNNPACK's vector tiles with a tail.
const std::vector<std::vector<float>> kHandRows = {
    {1, 2, 3},
    {-1.5f, 0, 2.25f, 7, -3},
    {0.5f, 0.5f, 0.5f, 0.5f},
    {100, 99.5f, 90, 95.25f},
    {0.25f, -1, 3, 2.5f, -0.75f, 1, 1.5f, -2, 0, 0.125f, 2, -1.25f, 0.5f, 1.75f, -0.5f, 2.75f,
     -3, 0.375f, 1.25f}};

#ifdef SOFTCHECK_HAVE_XNNPACK
const Kernel& softmax_kernel() {
  static const Registry registry = [] {
    Registry r;
    adapters::register_xnnpack_kernels(r);
    return r;
  }();
  const auto found = registry.match("xnnpack/softmax/f32/softmax-nc");
  REQUIRE(found.size() == 1);
  return *found.front();
}

// Runs the kernel on `row` repeated `rows` times at `stride`; the output starts as
// kSentinel everywhere. Returns the whole output buffer.
std::vector<float> run(const std::vector<float>& row, std::size_t rows, std::size_t stride) {
  std::vector<float> x(rows * stride, 0.0f);
  std::vector<float> out(rows * stride, kSentinel);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t i = 0; i < row.size(); ++i) x[r * stride + i] = row[i];
  softmax_kernel().run(KernelCall{x.data(), out.data(), nullptr, nullptr, rows, row.size(),
                                  stride});
  return out;
}
#endif

}  // namespace

TEST_CASE("XNNPACK registers xnnpack/softmax/f32/softmax-nc, once") {
#ifndef SOFTCHECK_HAVE_XNNPACK
  WARN("XNNPACK not compiled in: skipped");
  return;
#else
  Registry registry;
  adapters::register_xnnpack_kernels(registry);
  adapters::register_xnnpack_kernels(registry);
  REQUIRE(registry.all().size() == 1);
  const Kernel& kernel = registry.all().front();
  CHECK(kernel.name() == "xnnpack/softmax/f32/softmax-nc");
  CHECK(kernel.provider == "xnnpack");
#endif
}

TEST_CASE("XNNPACK softmax is close to the correctly rounded softmax on hand rows") {
#ifndef SOFTCHECK_HAVE_XNNPACK
  WARN("XNNPACK not compiled in: skipped");
  return;
#else
  // A few roundings plus exp's argument error, |x_i - max| ulps (README, "Contracts").
  constexpr double kBaseUlps = 4;
  for (const auto& row : kHandRows) {
    const std::vector<double> wide(row.begin(), row.end());
    const auto ref = reference::evaluate_row(wide, Format::f32, 0);
    const auto got = run(row, 1, row.size());
    double max = wide[0];
    for (double v : wide) max = std::fmax(max, v);
    for (std::size_t i = 0; i < row.size(); ++i) {
      const auto& want = ref.softmax[i];
      INFO("element " << i << " of a row of " << row.size() << ": got " << got[i] << " want "
                      << want.rounded);
      const double error = std::fabs(got[i] - want.exact_hi - want.exact_lo) /
                           ulp(want.exact_hi, Format::f32);
      CHECK(error <= kBaseUlps + (max - wide[i]));
    }
  }
#endif
}

TEST_CASE("XNNPACK softmax reads and writes strided rows and leaves the padding alone") {
#ifndef SOFTCHECK_HAVE_XNNPACK
  WARN("XNNPACK not compiled in: skipped");
  return;
#else
  constexpr std::size_t kRows = 3;
  constexpr std::size_t kPadding = 5;
  for (const auto& row : kHandRows) {
    const auto dense = run(row, 1, row.size());
    const std::size_t stride = row.size() + kPadding;
    const auto strided = run(row, kRows, stride);
    for (std::size_t r = 0; r < kRows; ++r) {
      for (std::size_t i = 0; i < stride; ++i) {
        INFO("n " << row.size() << " row " << r << " element " << i);
        CHECK(strided[r * stride + i] == (i < row.size() ? dense[i] : kSentinel));
      }
    }
  }
#endif
}

TEST_CASE("XNNPACK softmax does nothing on empty calls") {
#ifndef SOFTCHECK_HAVE_XNNPACK
  WARN("XNNPACK not compiled in: skipped");
  return;
#else
  // No rows: no buffers at all.
  CHECK_NOTHROW(softmax_kernel().run(KernelCall{nullptr, nullptr, nullptr, nullptr, 0, 8, 8}));
  // Rows of no elements: the output (all padding) stays as it was.
  for (float v : run({}, 2, 3)) CHECK(v == kSentinel);
#endif
}
