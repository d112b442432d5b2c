// What the adapter tests of the softmax backward kernels share (adapters_onednn_backward.cpp,
// adapters_torch_backward.cpp): hand rows run through a kernel against a direct long double
// computation within a loose sanity allowance (a wiring test: op, input order, format and
// stride; the gate holds the kernels to their contract), padding left alone, empty calls, and
// the gate on the quick suite measuring accuracy, its verdicts reported (WARN), not asserted:
// a library may deviate from the contract, and docs/ explain what it does.
#pragma once

#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "checks/contract.hpp"
#include "checks/gate.hpp"
#include "core/format.hpp"
#include "core/op_inputs.hpp"
#include "gate_test_support.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::testing {

// Output padding: a value no backward output here comes near, exact in every format.
inline constexpr double kSentinel = -12288.0;
inline constexpr std::size_t kPadding = 3;

// Hand rows: logits (y and log_y are their softmax and log_softmax, as core/op_inputs.hpp makes
// them) and dy: random-looking, nearly constant (dy - <y, dy> cancels), ties, and a row whose
// exp(x) overflows f32.
struct HandRow {
  std::vector<double> x, dy;
};
inline const std::vector<HandRow> kHandRows = {
    {{1, 2, 3}, {0.5, -1, 0.25}},
    {{-1.5, 0, 2.25, 7, -3}, {1, 1, 1.0078125, 1, 0.9921875}},
    {{0.5, 0.5, 0.5, 0.5}, {-0.75, 0.125, 2, -3}},
    {{100, 99.5, 90, 95.25}, {0.1, -0.2, 0.3, -0.4}},
};

// The sanity allowance, in units of the storage format's unit roundoff times the row's scale
// (|y_i| sum_j |y_j dy_j| + |y_i dy_i|, resp. |dy_i| + e_i sum_j |dy_j|): the contract's bound
// is a few such units, a wiring mistake is off by order one.
inline constexpr double kUnits = 16;

// The forward output the kernel takes: y for softmax_backward, log_y for log_softmax_backward.
inline Input forward_input(Op op) {
  return op == Op::log_softmax_backward ? Input::log_y : Input::y;
}

inline std::vector<double> forward_of(const Kernel& kernel, const std::vector<double>& x) {
  return kernel.op == Op::log_softmax_backward ? forward_log_softmax(x, kernel.format)
                                               : forward_softmax(x, kernel.format);
}

// Runs the kernel on `rows` copies of (forward, dy) at `stride`, the output starting as
// kSentinel everywhere; no logits are passed (the backward ops do not take them). Returns
// the whole output buffer.
inline std::vector<double> run_copies(const Kernel& kernel, const std::vector<double>& forward,
                               const std::vector<double>& dy, std::size_t rows, std::size_t stride) {
  const Format f = kernel.format;
  const std::size_t width = traits(f).storage_bytes, size = rows * stride;
  std::vector<unsigned char> y_buffer(size * width), dy_buffer(size * width), out(size * width);
  for (std::size_t k = 0; k < size; ++k) {
    const std::size_t i = k % stride;
    store(f, y_buffer.data(), k, i < forward.size() ? forward[i] : kSentinel);
    store(f, dy_buffer.data(), k, i < dy.size() ? dy[i] : kSentinel);
    store(f, out.data(), k, kSentinel);
  }
  KernelCall call{nullptr, out.data(), nullptr, nullptr, rows, forward.size(), stride};
  call.inputs[static_cast<std::size_t>(forward_input(kernel.op))] = y_buffer.data();
  call.inputs[static_cast<std::size_t>(Input::dy)] = dy_buffer.data();
  kernel.run(call);
  std::vector<double> result(size);
  for (std::size_t k = 0; k < size; ++k) result[k] = load(f, out.data(), k);
  return result;
}

// The op in long double on the given (rounded) inputs, and each element's scale.
struct Direct {
  std::vector<double> value, scale;
};
inline Direct direct(Op op, const std::vector<double>& forward, const std::vector<double>& dy) {
  Direct d;
  long double s = 0, s_abs = 0;
  for (std::size_t j = 0; j < dy.size(); ++j) {
    const long double w = op == Op::log_softmax_backward ? 1.0L : forward[j];
    s += w * dy[j];
    s_abs += std::fabs(w * dy[j]);
  }
  for (std::size_t i = 0; i < dy.size(); ++i) {
    if (op == Op::softmax_backward) {
      d.value.push_back(static_cast<double>(forward[i] * (dy[i] - s)));
      d.scale.push_back(static_cast<double>(std::fabs(forward[i]) * s_abs +
                                            std::fabs(forward[i] * dy[i])));
    } else {
      const long double e = std::exp(static_cast<long double>(forward[i]));
      d.value.push_back(static_cast<double>(dy[i] - e * s));
      d.scale.push_back(static_cast<double>(std::fabs(dy[i]) + e * s_abs));
    }
  }
  return d;
}

inline std::vector<double> rounded(const std::vector<double>& values, Format f) {
  std::vector<double> out;
  for (double v : values) out.push_back(round_to_format(v, f));
  return out;
}
// Every kernel on two strided copies of each hand row.
inline void check_hand_rows(const std::vector<const Kernel*>& kernels) {
  constexpr std::size_t kRows = 2;
  for (const Kernel* kernel : kernels) {
    const Format f = kernel->format;
    for (const HandRow& hand : kHandRows) {
      const std::vector<double> forward = forward_of(*kernel, rounded(hand.x, f));
      const std::vector<double> dy = rounded(hand.dy, f);
      const Direct want = direct(kernel->op, forward, dy);
      const std::size_t n = dy.size(), stride = n + kPadding;
      const std::vector<double> got = run_copies(*kernel, forward, dy, kRows, stride);
      for (std::size_t r = 0; r < kRows; ++r) {
        for (std::size_t i = 0; i < stride; ++i) {
          const double value = got[r * stride + i];
          INFO(kernel->name() << " row starting " << hand.x.front() << ", copy " << r
                              << ", element " << i << ": got " << value);
          if (i >= n) {
            CHECK(value == kSentinel);  // padding untouched
            continue;
          }
          INFO("want " << want.value[i] << " scale " << want.scale[i]);
          const double allowed = kUnits * epsilon(f) / 2 * want.scale[i] + ulp(want.value[i], f);
          CHECK(std::fabs(value - want.value[i]) <= allowed);
        }
      }
    }
  }
}

// rows = 0, and rows of n = 0: nothing written.
inline void check_empty_calls(const std::vector<const Kernel*>& kernels) {
  for (const Kernel* kernel : kernels) {
    INFO(kernel->name());
    CHECK_NOTHROW(kernel->run(KernelCall{nullptr, nullptr, nullptr, nullptr, 0, 8, 8}));
    const std::vector<double> out = run_copies(*kernel, {}, {}, 2, 3);  // rows of n = 0
    for (double v : out) CHECK(v == kSentinel);
  }
}

// The gate on the quick suite: accuracy measured; verdicts reported.
inline void report_quick_gate(const std::vector<const Kernel*>& kernels) {
  REQUIRE(!kernels.empty());
  const GateResult result =
      run_gate(kernels, ContractSet::builtin(), testing::quick_gate_options());
  REQUIRE(result.kernels.size() == kernels.size());
  for (const KernelResult& k : result.kernels) {
    INFO(k.kernel->name());
    const CheckStats& accuracy = k.checks.at(Check::accuracy);
    CHECK(accuracy.elements > 0);
    std::string families;
    for (const Violation& v : k.reproducers) families += v.family + " ";
    WARN(k.kernel->name() << ": " << name(k.verdict) << ", accuracy worst "
                          << accuracy.worst_error << " of the bound, " << k.violations()
                          << " violations (" << families << ")");
  }
}

}  // namespace softcheck::testing
