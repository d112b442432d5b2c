// The libtorch adapter: its kernel names, hand rows against the correctly rounded reference,
// strided rows (padding untouched), the cross-entropy gradient as softmax - onehot, special
// rows, empty calls, and libtorch errors as KernelFailure. The kernels are the registered
// (isolated) ones. Without libtorch (SOFTCHECK_HAVE_TORCH unset) the program skips (exit 77,
// support/test_skip.hpp): ctest reports it Skipped.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "adapters/adapters.hpp"
#include "core/format.hpp"
#include "reference/reference.hpp"
#include "test_skip.hpp"
#include "test_values.hpp"

#ifndef SOFTCHECK_HAVE_TORCH
SOFTCHECK_SKIP_FILE("libtorch not compiled in (cmake/AdapterTorch.cmake did not find it)");
#endif

using namespace softcheck;

using softcheck::test::kInf;

namespace {

// Output padding and untouched outputs: a value none of the ops produces, exact in bf16.
constexpr double kSentinel = -12288.0;
// Hand rows: small, mixed signs, ties (exact 1/4), exp(x) past f32 overflow, and a masked
// element. None is confident: there libtorch loses relative accuracy near 0 (a known
// deviation the gate reports, contracts/providers/torch.json).
const std::vector<std::vector<double>> kHandRows = {
    {1, 2, 3, 4}, {-1.5, 0, 2.25, 5, -3}, {0.5, 0.5, 0.5, 0.5}, {100, 99.5, 97, 98.25},
    {-kInf, 1, 0.5, 2}};
constexpr std::int64_t kHandTarget = 2;  // a mid-size probability in every hand row

// Allowances: loose enough for libtorch's rounding (contracts/providers/torch.json), tight
// enough that a wiring mistake (wrong op, axis, dtype or stride) fails.
// f64/f32: a few roundings plus exp's argument error of |x_i - max| + ln n ulps (<= 6 here),
// twice for the cross-entropy gradient (exp of a twice-rounded log_softmax).
constexpr double kUlps = 16;
// bf16 holds log_softmax's row sum and its log in bf16: up to ~2^-8 absolute error at values
// of order 1, i.e. a few ulps of the result near the max.
constexpr double kBf16Ulps = 4;

#ifdef SOFTCHECK_HAVE_TORCH
// The forward kernels and cross-entropy; the backward ops (other inputs, other checks) have
// their own test, adapters_torch_backward.cpp.
const Registry& torch_registry() {
  static const Registry registry = [] {
    Registry all, r;
    adapters::register_torch_kernels(all);
    for (const Kernel& kernel : all.all())
      if (!in_family(kernel.op, "backward")) r.add(kernel);
    return r;
  }();
  return registry;
}

const Kernel& kernel_named(const std::string& name) {
  const auto found = torch_registry().match(name);
  REQUIRE(found.size() == 1);
  return *found.front();
}

// What a call wrote: out (rows * stride elements, sentinel where untouched) and the per-row
// values (logsumexp's out or cross-entropy's loss).
struct RunOutputs {
  std::vector<double> out;
  std::vector<double> per_row;
};

// Runs the kernel on `rows` (all of length n, values representable in the format) laid out
// `stride` elements apart; every output starts as kSentinel.
RunOutputs run(const Kernel& kernel, const std::vector<std::vector<double>>& rows,
            const std::vector<std::int64_t>& targets, std::size_t stride) {
  const Format f = kernel.format;
  const std::size_t width = traits(f).storage_bytes;
  const std::size_t n = rows.empty() ? 0 : rows.front().size();
  const std::size_t elements = rows.size() * stride;
  std::vector<unsigned char> x(elements * width + 1), out(elements * width + 1),
      per_row(rows.size() * width + 1);
  for (std::size_t i = 0; i < elements; ++i) {
    store(f, x.data(), i, kSentinel);
    store(f, out.data(), i, kSentinel);
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    store(f, per_row.data(), r, kSentinel);
    for (std::size_t i = 0; i < n; ++i) store(f, x.data(), r * stride + i, rows[r][i]);
  }
  const bool row_output = kernel.op == Op::logsumexp;
  KernelCall call{x.data(),
                  row_output ? per_row.data() : out.data(),
                  kernel.op == Op::cross_entropy ? per_row.data() : nullptr,
                  kernel.op == Op::cross_entropy ? targets.data() : nullptr,
                  rows.size(),
                  n,
                  stride};
  kernel.run(call);
  RunOutputs result;
  for (std::size_t i = 0; i < elements; ++i) result.out.push_back(load(f, out.data(), i));
  for (std::size_t r = 0; r < rows.size(); ++r)
    result.per_row.push_back(load(f, per_row.data(), r));
  return result;
}

std::vector<double> representable(const std::vector<double>& row, Format f) {
  std::vector<double> rounded;
  for (double v : row) rounded.push_back(round_to_format(v, f));
  return rounded;
}

// got is within `ulps` of the correctly rounded reference (ulps of the reference), or equal
// to it where the reference is not finite.
void check_close(double got, double expected, Format f, double ulps) {
  INFO("got " << got << " expected " << expected);
  if (!std::isfinite(expected)) {
    CHECK((got == expected || (std::isnan(got) && std::isnan(expected))));
    return;
  }
  CHECK(std::fabs(got - expected) <= ulps * ulp(expected, f));
}
#endif

}  // namespace

TEST_CASE("register_torch_kernels registers 20 names once, no f16") {
#ifndef SOFTCHECK_HAVE_TORCH
  WARN("libtorch not compiled in: torch adapter tests skipped");
  return;
#else
  Registry registry;
  adapters::register_torch_kernels(registry);
  adapters::register_torch_kernels(registry);
  std::set<std::string> names;
  for (const Kernel& kernel : registry.all()) {
    CHECK(kernel.provider == "torch");
    CHECK(static_cast<bool>(kernel.run));
    names.insert(kernel.name());
  }
  CHECK(registry.all().size() == names.size());
  const std::set<std::string> expected = {
      "torch/softmax/f64/aten",           "torch/softmax/f32/aten",
      "torch/softmax/bf16/aten",          "torch/log_softmax/f64/aten",
      "torch/log_softmax/f32/aten",       "torch/log_softmax/bf16/aten",
      "torch/logsumexp/f64/aten",         "torch/logsumexp/f32/aten",
      "torch/logsumexp/bf16/aten",        "torch/cross_entropy/f64/autograd",
      "torch/cross_entropy/f32/autograd", "torch/cross_entropy/bf16/autograd",
      "torch/softmax/f64/masked-softmax", "torch/softmax/f32/masked-softmax",
      "torch/softmax_backward/f64/aten",  "torch/softmax_backward/f32/aten",
      "torch/softmax_backward/bf16/aten", "torch/log_softmax_backward/f64/aten",
      "torch/log_softmax_backward/f32/aten", "torch/log_softmax_backward/bf16/aten"};
  CHECK(names == expected);
  CHECK(registry.match("torch/*/f16/*").empty());
#endif
}

TEST_CASE("torch kernels on hand rows are close to the correctly rounded reference") {
#ifndef SOFTCHECK_HAVE_TORCH
  WARN("libtorch not compiled in: torch adapter tests skipped");
  return;
#else
  for (const Kernel& kernel : torch_registry().all()) {
    const Format f = kernel.format;
    const double ulps = f == Format::bf16 ? kBf16Ulps : kUlps;
    for (const auto& hand_row : kHandRows) {
      const std::vector<double> row = representable(hand_row, f);
      INFO(kernel.name() << " row of " << row.size() << " starting " << row.front());
      const auto ref = reference::evaluate_row(row, f, kHandTarget);
      const RunOutputs got = run(kernel, {row}, {kHandTarget}, row.size());
      for (std::size_t i = 0; i < row.size(); ++i) {
        INFO("element " << i);
        if (kernel.op == Op::softmax) {
          check_close(got.out[i], ref.softmax[i].rounded, f, ulps);
        } else if (kernel.op == Op::log_softmax) {
          check_close(got.out[i], ref.log_softmax[i].rounded, f, ulps);
        } else if (kernel.op == Op::cross_entropy) {
          check_close(got.out[i], ref.ce_gradient[i].rounded, f, ulps);
        }
      }
      if (kernel.op == Op::logsumexp) check_close(got.per_row[0], ref.logsumexp.rounded, f, ulps);
      if (kernel.op == Op::cross_entropy) check_close(got.per_row[0], ref.ce_loss.rounded, f, ulps);
    }
  }
#endif
}

TEST_CASE("torch kernels read and write strided rows and leave the padding alone") {
#ifndef SOFTCHECK_HAVE_TORCH
  WARN("libtorch not compiled in: torch adapter tests skipped");
  return;
#else
  constexpr std::size_t kPadding = 5;
  for (const Kernel& kernel : torch_registry().all()) {
    INFO(kernel.name());
    std::vector<std::vector<double>> rows;
    for (const auto& row : kHandRows)
      if (row.size() == 4) rows.push_back(representable(row, kernel.format));
    const std::vector<std::int64_t> targets(rows.size(), kHandTarget);
    const std::size_t n = rows.front().size();
    const RunOutputs dense = run(kernel, rows, targets, n);
    const RunOutputs strided = run(kernel, rows, targets, n + kPadding);
    CHECK(strided.per_row == dense.per_row);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      for (std::size_t i = 0; i < n + kPadding; ++i) {
        INFO("row " << r << " element " << i);
        const double got = strided.out[r * (n + kPadding) + i];
        const bool written = i < n && kernel.op != Op::logsumexp;
        CHECK(got == (written ? dense.out[r * n + i] : kSentinel));
      }
    }
  }
#endif
}

TEST_CASE("torch's cross-entropy gradient is softmax - onehot and its loss logsumexp - x_y") {
#ifndef SOFTCHECK_HAVE_TORCH
  WARN("libtorch not compiled in: torch adapter tests skipped");
  return;
#else
  constexpr double kRelative = 1e-15;  // a few f64 roundings
  const std::vector<double> row = {0.0, 1.0, 2.0};
  constexpr std::int64_t kTarget = 1;
  const double sum = std::exp(0.0) + std::exp(1.0) + std::exp(2.0);
  const RunOutputs got = run(kernel_named("torch/cross_entropy/f64/autograd"), {row}, {kTarget},
                          row.size());
  for (std::size_t i = 0; i < row.size(); ++i) {
    const double expected = std::exp(row[i]) / sum - (i == kTarget ? 1.0 : 0.0);
    INFO("element " << i);
    CHECK(got.out[i] == Approx(expected).epsilon(kRelative));
  }
  CHECK(got.per_row[0] == Approx(std::log(sum) - row[kTarget]).epsilon(kRelative));
#endif
}

TEST_CASE("torch kernels follow the special-value table on NaN, +inf and fully masked rows") {
#ifndef SOFTCHECK_HAVE_TORCH
  WARN("libtorch not compiled in: torch adapter tests skipped");
  return;
#else
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::vector<double>> rows = {{1, nan, 2}, {1, kInf, 2}, {-kInf, -kInf, -kInf}};
  for (const Kernel& kernel : torch_registry().all()) {
    for (const auto& row : rows) {
      INFO(kernel.name() << " row " << row[0] << "," << row[1] << "," << row[2]);
      const auto ref = reference::evaluate_row(row, kernel.format, 0);
      const RunOutputs got = run(kernel, {row}, {0}, row.size());
      for (std::size_t i = 0; i < row.size() && kernel.op != Op::logsumexp; ++i)
        CHECK(std::isnan(got.out[i]));  // the table: all NaN for softmax, log_softmax, gradient
      if (kernel.op == Op::logsumexp) check_close(got.per_row[0], ref.logsumexp.rounded, kernel.format, 0);
      if (kernel.op == Op::cross_entropy) CHECK(std::isnan(got.per_row[0]));
    }
  }
#endif
}

TEST_CASE("torch kernels on empty calls: no rows, and rows of n = 0") {
#ifndef SOFTCHECK_HAVE_TORCH
  WARN("libtorch not compiled in: torch adapter tests skipped");
  return;
#else
  for (const Kernel& kernel : torch_registry().all()) {
    INFO(kernel.name());
    CHECK_NOTHROW(run(kernel, {}, {}, 1));
    // Two empty rows at stride 1: logsumexp writes -inf (as libtorch gives for an empty
    // reduction and as the special-value table says), cross-entropy a NaN loss (no valid
    // target), the rest nothing.
    const RunOutputs got = run(kernel, {{}, {}}, {0, 0}, 1);
    if (kernel.op == Op::cross_entropy) {
      CHECK(std::isnan(got.per_row[0]));
      CHECK(std::isnan(got.per_row[1]));
    } else {
      const double expected_per_row = kernel.op == Op::logsumexp ? -kInf : kSentinel;
      CHECK(got.per_row == std::vector<double>{expected_per_row, expected_per_row});
    }
    CHECK(got.out == std::vector<double>{kSentinel, kSentinel});
  }
#endif
}

TEST_CASE("an error libtorch reports is a KernelFailure naming torch") {
#ifndef SOFTCHECK_HAVE_TORCH
  WARN("libtorch not compiled in: torch adapter tests skipped");
  return;
#else
  constexpr std::int64_t kOutOfRange = 7;  // n = 3: nll_loss rejects the target
  const Kernel& kernel = kernel_named("torch/cross_entropy/f32/autograd");
  try {
    run(kernel, {{1, 2, 3}}, {kOutOfRange}, 3);
    FAIL("no KernelFailure");
  } catch (const KernelFailure& failure) {
    INFO(failure.what());
    CHECK(std::string(failure.what()).find("torch: ") != std::string::npos);
  }
#endif
}
