// The kernel interface: one op, one storage format, one algorithm, one provider, and a
// callable over a batch of rows. Every fast path under test - built-in, external library,
// plugin or vector file - is a Kernel in the registry.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/format.hpp"
#include "core/loss_parameters.hpp"
#include "core/op.hpp"

namespace softcheck {

// One call over `rows` rows of `n` elements; row r starts at element r * stride. The call
// carries the inputs the op table lists for the op (core/op.hpp, OpSpec::inputs) and its
// outputs (OpSpec::outputs). Element types by format: f64 double, f32 float, bf16/f16
// std::uint16_t bit patterns; targets are int64.
//   logits (x):  rows x n at the stride; every op so far takes them.
//   target:      one class index per row in [0, n), for the ops with a loss.
//   other inputs (dy, Q, K, V, mask): in inputs[Input], rows x n at the stride.
//   out:  Outputs::per_element: out[r*stride + i] for i < n; Outputs::per_row: out[r];
//         Outputs::loss_and_gradient: the gradient of the loss w.r.t. the logits.
//   loss: Outputs::loss_and_gradient: loss[r], one value per row.
// What each built-in op computes: src/reference/op_references.cpp and the references it
// names. All outputs are in the kernel's format. A kernel must not write past n in a row.
struct KernelCall {
  const void* x = nullptr;
  void* out = nullptr;
  void* loss = nullptr;
  const std::int64_t* target = nullptr;
  std::size_t rows = 0;
  std::size_t n = 0;
  std::size_t stride = 0;
  std::array<const void*, kInputKinds> inputs{};  // the inputs beyond logits and target

  // Any input by its kind (logits and target included).
  const void* input(Input kind) const {
    if (kind == Input::logits) return x;
    if (kind == Input::target) return target;
    return inputs[static_cast<std::size_t>(kind)];
  }
};

using KernelFn = std::function<void(const KernelCall&)>;

// Thrown by a kernel call that could not complete: an isolated kernel whose child process
// crashed (signal), exited, or ran past its time limit. The gate records it as a failure of
// that kernel on that batch and goes on.
class KernelFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Kernel {
  Op op;
  Format format;
  std::string algorithm;  // e.g. "two-pass", "three-pass-reload"
  std::string provider;   // "builtin", "onednn", "plugin:NAME", ...
  KernelFn run;
  LossParameters parameters{};  // the loss family's tau, a, b, T; defaults for other ops
  // The zero-size probe (checks/zero_size.hpp) calls this kernel in the calling process
  // instead of a forked child: for a kernel that cannot run in a fork of its caller (a Python
  // function: CUDA and the interpreter's threads do not survive fork) and whose own code
  // makes no raw memory access that a guard page would have to catch.
  bool probe_in_process = false;
  std::string name() const;  // provider/op/format/algorithm, e.g. builtin/softmax/f32/online
};

// The process-wide list of kernels. Providers append at start-up.
class Registry {
 public:
  static Registry& instance();
  void add(Kernel kernel);
  const std::vector<Kernel>& all() const { return kernels_; }
  // Kernels whose name matches the glob (`*` any run, `?` one character).
  std::vector<const Kernel*> match(std::string_view glob) const;

 private:
  std::vector<Kernel> kernels_;
};

bool glob_match(std::string_view pattern, std::string_view text);

// Registers every built-in kernel (src/kernels). Idempotent.
void register_builtin_kernels(Registry& registry);

}  // namespace softcheck
