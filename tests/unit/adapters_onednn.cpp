// The oneDNN adapter: its kernel names, accuracy on hand rows against the correctly rounded
// reference, strided rows (padding untouched), and empty calls. Without oneDNN
// (SOFTCHECK_HAVE_ONEDNN unset) the program skips (exit 77, support/test_skip.hpp): ctest
// reports it Skipped.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "adapters/adapters.hpp"
#include "core/format.hpp"
#include "reference/reference.hpp"
#include "test_skip.hpp"

#ifndef SOFTCHECK_HAVE_ONEDNN
SOFTCHECK_SKIP_FILE("oneDNN not compiled in (cmake/AdapterOneDNN.cmake did not find it)");
#endif

using namespace softcheck;

namespace {

// Output padding: a value no softmax or log_softmax produces, exact in f32 and bf16.
constexpr double kSentinel = -12288.0;
// Hand rows: a small row, mixed signs, ties (exact 1/4), and exp(x) past f32 overflow.
const std::vector<std::vector<double>> kHandRows = {
    {1, 2, 3}, {-1.5, 0, 2.25, 7, -3}, {0.5, 0.5, 0.5, 0.5}, {100, 99.5, 90, 95.25}};

// Allowances, loose enough for oneDNN's measured errors (contracts/providers/onednn.json) and
// tight enough that a wiring mistake (wrong op, algorithm, type or stride) fails.
// f32: a few roundings plus exp's argument error, |x_i - max| ulps (README, "Contracts").
constexpr double kF32Ulps = 4;
// bf16: oneDNN 2.6 rounds exp(x_i - max) to bf16 before scaling it: < 1.5 ulps.
constexpr double kBf16Ulps = 1.5;
// log_softmax = (x - max) - log(sum): its log on AVX2/AVX-512 is off by up to ~3.4e-6
// absolute (measured; log(1) = 0x1.8p-20), a known deviation the gate reports.
constexpr double kLogAbsoluteError = 1e-5;

#ifdef SOFTCHECK_HAVE_ONEDNN
// The forward kernels and cross-entropy; the backward ops (other inputs, other checks) have
// their own test, adapters_onednn_backward.cpp.
const Registry& onednn_registry() {
  static const Registry registry = [] {
    Registry all, r;
    adapters::register_onednn_kernels(all);
    for (const Kernel& kernel : all.all())
      if (!in_family(kernel.op, "backward")) r.add(kernel);
    return r;
  }();
  return registry;
}

// Runs the kernel on `row` repeated `rows` times at `stride` (cross_entropy: with `target`,
// the losses go to *loss); the output starts as kSentinel everywhere. Returns the whole
// output buffer.
std::vector<double> run(const Kernel& kernel, const std::vector<double>& row, std::size_t rows,
                        std::size_t stride, std::int64_t target = 0,
                        std::vector<double>* loss = nullptr) {
  const Format f = kernel.format;
  const std::size_t size = rows * stride;
  std::vector<unsigned char> x(size * traits(f).storage_bytes);
  std::vector<unsigned char> out(size * traits(f).storage_bytes);
  for (std::size_t k = 0; k < size; ++k) {
    const std::size_t i = k % stride;
    store(f, x.data(), k, i < row.size() ? round_to_format(row[i], f) : 0.0);
    store(f, out.data(), k, kSentinel);
  }
  const bool ce = kernel.op == Op::cross_entropy;
  std::vector<unsigned char> losses(rows * traits(f).storage_bytes);
  const std::vector<std::int64_t> targets(rows, target);
  kernel.run(KernelCall{x.data(), out.data(), ce ? losses.data() : nullptr,
                        ce ? targets.data() : nullptr, rows, row.size(), stride});
  std::vector<double> result(size);
  for (std::size_t k = 0; k < size; ++k) result[k] = load(f, out.data(), k);
  if (loss != nullptr) {
    loss->resize(rows);
    for (std::size_t r = 0; r < rows; ++r) (*loss)[r] = load(f, losses.data(), r);
  }
  return result;
}

// |got - exact| in ulps of the exact value.
double ulp_error(double got, const reference::Exact& exact, Format f) {
  return std::fabs(got - exact.exact_hi - exact.exact_lo) / ulp(exact.exact_hi, f);
}
#endif

}  // namespace

TEST_CASE("oneDNN registers softmax, log_softmax (softmax-v2) and cross_entropy (softmax-v2-log-bwd)") {
#ifndef SOFTCHECK_HAVE_ONEDNN
  WARN("oneDNN not compiled in: skipped");
  return;
#else
  Registry registry;
  adapters::register_onednn_kernels(registry);
  const std::size_t count = registry.all().size();
  adapters::register_onednn_kernels(registry);
  CHECK(registry.all().size() == count);  // idempotent

  std::set<std::string> names;
  for (const Kernel& kernel : registry.all()) {
    names.insert(kernel.name());
    if (in_family(kernel.op, "backward")) continue;  // adapters_onednn_backward.cpp
    CHECK(kernel.provider == "onednn");
    CHECK(kernel.algorithm ==
          (kernel.op == Op::cross_entropy ? "softmax-v2-log-bwd" : "softmax-v2"));
    CHECK((kernel.op == Op::softmax || kernel.op == Op::log_softmax ||
           kernel.op == Op::cross_entropy));
    CHECK((kernel.format == Format::f32 || kernel.format == Format::bf16));
  }
  CHECK(names.count("onednn/softmax/f32/softmax-v2") == 1);
  CHECK(names.count("onednn/log_softmax/f32/softmax-v2") == 1);
  CHECK(names.count("onednn/cross_entropy/f32/softmax-v2-log-bwd") == 1);
  WARN("oneDNN kernels on this CPU: " << count);
#endif
}

TEST_CASE("oneDNN kernels are close to the correctly rounded softmax on hand rows") {
#ifndef SOFTCHECK_HAVE_ONEDNN
  WARN("oneDNN not compiled in: skipped");
  return;
#else
  for (const Kernel& kernel : onednn_registry().all()) {
    if (kernel.op == Op::cross_entropy) continue;  // its own test below
    const bool bf16 = kernel.format == Format::bf16;
    for (const auto& given : kHandRows) {
      std::vector<double> row;
      for (double v : given) row.push_back(round_to_format(v, kernel.format));
      const auto ref = reference::evaluate_row(row, kernel.format, 0);
      const auto& want = kernel.op == Op::softmax ? ref.softmax : ref.log_softmax;
      const auto got = run(kernel, row, 1, row.size());
      double max = row[0];
      for (double v : row) max = std::fmax(max, v);
      for (std::size_t i = 0; i < row.size(); ++i) {
        INFO(kernel.name() << " element " << i << ": got " << got[i] << " want "
                           << want[i].rounded);
        const double ulps = ulp_error(got[i], want[i], kernel.format);
        const double allowed = bf16 ? kBf16Ulps : kF32Ulps + (max - row[i]);
        const double absolute = std::fabs(got[i] - want[i].exact_hi);
        if (kernel.op == Op::softmax)
          CHECK(ulps <= allowed);
        else
          CHECK((ulps <= allowed || absolute <= kLogAbsoluteError));
      }
    }
  }
#endif
}

TEST_CASE("oneDNN cross-entropy is -log_softmax[target] and exp(log_softmax) - onehot") {
#ifndef SOFTCHECK_HAVE_ONEDNN
  WARN("oneDNN not compiled in: skipped");
  return;
#else
  for (const Kernel& kernel : onednn_registry().all()) {
    if (kernel.op != Op::cross_entropy) continue;
    const Format f = kernel.format;
    for (const auto& given : kHandRows) {
      std::vector<double> row;
      for (double v : given) row.push_back(round_to_format(v, f));
      for (std::size_t target = 0; target < row.size(); ++target) {
        const auto ref = reference::evaluate_row(row, f, target);
        std::vector<double> loss;
        const auto gradient = run(kernel, row, 1, row.size(),
                                  static_cast<std::int64_t>(target), &loss);
        INFO(kernel.name() << " target " << target << ": loss " << loss[0] << " want "
                           << ref.ce_loss.rounded);
        // The loss is -log_softmax[target]: log_softmax's absolute error, or its ulps.
        const double loss_allowed = f == Format::bf16 ? kBf16Ulps : kF32Ulps + row.size();
        CHECK((ulp_error(loss[0], ref.ce_loss, f) <= loss_allowed ||
               std::fabs(loss[0] - ref.ce_loss.exact_hi) <= kLogAbsoluteError));
        for (std::size_t i = 0; i < row.size(); ++i) {
          INFO("gradient " << i << ": got " << gradient[i] << " want "
                           << ref.ce_gradient[i].rounded);
          // exp(log_softmax): log's absolute error becomes a relative one (bf16 also
          // rounds log_softmax first: |log_softmax| / 2 ulps of the result, at most 2^-9 * 16).
          const double relative = std::fabs(gradient[i] - ref.ce_gradient[i].exact_hi) /
                                  std::fmax(std::fabs(ref.ce_gradient[i].exact_hi), 1e-30);
          // At the target, exp(log_softmax) - 1 cancels: the error stays absolute.
          const double absolute = std::fabs(gradient[i] - ref.ce_gradient[i].exact_hi);
          CHECK((relative <= (f == Format::bf16 ? 0.04 : 1e-5) ||
                 (i == target && absolute <= kLogAbsoluteError)));
        }
      }
    }
  }
#endif
}

TEST_CASE("oneDNN kernels read and write strided rows and leave the padding alone") {
#ifndef SOFTCHECK_HAVE_ONEDNN
  WARN("oneDNN not compiled in: skipped");
  return;
#else
  constexpr std::size_t kRows = 3;
  constexpr std::size_t kPadding = 5;
  const std::vector<double> row = kHandRows[1];
  for (const Kernel& kernel : onednn_registry().all()) {
    INFO(kernel.name());
    const auto dense = run(kernel, row, 1, row.size());
    const std::size_t stride = row.size() + kPadding;
    const auto strided = run(kernel, row, kRows, stride);
    for (std::size_t r = 0; r < kRows; ++r) {
      for (std::size_t i = 0; i < stride; ++i) {
        INFO("row " << r << " element " << i);
        if (i < row.size())
          CHECK(strided[r * stride + i] == dense[i]);
        else
          CHECK(strided[r * stride + i] == kSentinel);
      }
    }
  }
#endif
}

TEST_CASE("oneDNN kernels do nothing on empty calls") {
#ifndef SOFTCHECK_HAVE_ONEDNN
  WARN("oneDNN not compiled in: skipped");
  return;
#else
  for (const Kernel& kernel : onednn_registry().all()) {
    INFO(kernel.name());
    // No rows: no buffers at all.
    CHECK_NOTHROW(kernel.run(KernelCall{nullptr, nullptr, nullptr, nullptr, 0, 8, 8}));
    // Rows of no elements: the output (all padding) stays as it was.
    const auto out = run(kernel, {}, 2, 3);
    for (double v : out) CHECK(v == kSentinel);
  }
#endif
}
