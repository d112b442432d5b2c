// The libtorch module, libsoftcheck_torch.so (see torch_abi.hpp): softcheck's ops on libtorch
// 1.13's CPU kernels. The only translation unit that includes libtorch's headers; per-operator
// headers keep its compile time to a few seconds.
//
//   softmax        at::softmax(x, 1)
//   log_softmax    at::log_softmax(x, 1)
//   logsumexp      at::logsumexp(x, {1})
//   cross_entropy  loss: at::cross_entropy_loss(x, target, reduction none); gradient:
//                  autograd's d(sum of losses)/d logits, in the logits' dtype
//
// Each op computes in the call's format (f64, f32, bf16). The call's rows are viewed in place
// with their stride (from_blob) and the results copied back into out/loss with the same
// stride. libtorch runs on one intra-op thread, set on the first call. Rows with n = 0 give no
// outputs, except logsumexp, where libtorch gives -inf (the special-value table's value).
#include "adapters/torch_abi.hpp"

#include <ATen/Parallel.h>
#include <ATen/core/Reduction.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/cross_entropy_loss.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/log_softmax.h>
#include <ATen/ops/logsumexp.h>
#include <ATen/ops/softmax.h>
#include <c10/core/GradMode.h>
#include <c10/util/Exception.h>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <mutex>
#include <stdexcept>

namespace softcheck::adapters::torch_adapter {
namespace {

// The softmax axis of the rows x n view.
constexpr std::int64_t kRowAxis = 1;
// softcheck checks one kernel call at a time; with one intra-op thread libtorch runs its
// parallel_for inline and starts no OpenMP pool, and results do not depend on how rows
// would be split across threads.
constexpr int kIntraOpThreads = 1;

at::ScalarType scalar_type(Format format) {
  switch (format) {
    case Format::f64: return at::kDouble;
    case Format::f32: return at::kFloat;
    case Format::bf16: return at::kBFloat16;  // c10::BFloat16 holds the upper half of an f32
    case Format::f16: return at::kHalf;       // IEEE binary16, the same bits as softcheck's
  }
  return at::kFloat;
}

// The call's rows x n elements of `base`, rows `stride` elements apart, without a copy.
// libtorch only reads the inputs: the const_cast is for from_blob's signature.
at::Tensor rows_view(const void* base, const KernelCall& call, Format format) {
  return at::from_blob(const_cast<void*>(base),
                       {static_cast<std::int64_t>(call.rows), static_cast<std::int64_t>(call.n)},
                       {static_cast<std::int64_t>(call.stride), 1},
                       at::TensorOptions().dtype(scalar_type(format)));
}

// One value per row (logsumexp's out, cross-entropy's loss), contiguous.
at::Tensor per_row_view(void* base, const KernelCall& call, Format format) {
  return at::from_blob(base, {static_cast<std::int64_t>(call.rows)},
                       at::TensorOptions().dtype(scalar_type(format)));
}

void use_one_thread() {
  static std::once_flag once;
  std::call_once(once, [] { at::set_num_threads(kIntraOpThreads); });
}

void run_softmax(const KernelCall& call, Format format) {
  rows_view(call.out, call, format).copy_(at::softmax(rows_view(call.x, call, format), kRowAxis));
}

void run_log_softmax(const KernelCall& call, Format format) {
  rows_view(call.out, call, format)
      .copy_(at::log_softmax(rows_view(call.x, call, format), kRowAxis));
}

void run_logsumexp(const KernelCall& call, Format format) {
  per_row_view(call.out, call, format)
      .copy_(at::logsumexp(rows_view(call.x, call, format), {kRowAxis}));
}

// Loss with reduction none; the gradient is what autograd gives for the sum of the losses
// (each loss's upstream gradient is exactly 1), in the logits' dtype.
void run_cross_entropy(const KernelCall& call, Format format) {
  const c10::AutoGradMode grad_mode(true);
  at::Tensor logits =
      rows_view(call.x, call, format).clone(at::MemoryFormat::Contiguous).requires_grad_(true);
  const at::Tensor target = at::from_blob(const_cast<std::int64_t*>(call.target),
                                          {static_cast<std::int64_t>(call.rows)},
                                          at::TensorOptions().dtype(at::kLong));
  const at::Tensor loss = at::cross_entropy_loss(logits, target, /*weight=*/{},
                                                 at::Reduction::None);
  loss.sum().backward();
  per_row_view(call.loss, call, format).copy_(loss.detach());
  rows_view(call.out, call, format).copy_(logits.grad());
}

void run(Op op, Format format, const KernelCall& call) {
  if (op == Op::softmax) return run_softmax(call, format);
  if (op == Op::log_softmax) return run_log_softmax(call, format);
  if (op == Op::logsumexp) return run_logsumexp(call, format);
  if (op == Op::cross_entropy) return run_cross_entropy(call, format);
  throw std::invalid_argument("libtorch: no kernel for op " + std::to_string(op.index()));  // never registered
}

// The first line of an error message, as "torch: <line>".
int report(const char* what, char* message, std::size_t message_size) {
  if (message_size > 0) {
    int length = 0;
    while (what[length] != '\0' && what[length] != '\n') ++length;
    std::snprintf(message, message_size, "torch: %.*s", length, what);
  }
  return kRunError;
}

}  // namespace
}  // namespace softcheck::adapters::torch_adapter

extern "C" int softcheck_torch_abi_version() {
  return softcheck::adapters::torch_adapter::kAbiVersion;
}

extern "C" int softcheck_torch_run(int op, int format, const softcheck::KernelCall* call,
                                   char* message, std::size_t message_size) {
  using namespace softcheck::adapters::torch_adapter;
  const auto the_op = static_cast<softcheck::Op>(op);
  if (call->rows == 0) return kRunOk;
  // An empty row has no outputs; logsumexp's -inf comes from libtorch itself.
  if (call->n == 0 && the_op != softcheck::Op::logsumexp) return kRunOk;
  try {
    use_one_thread();
    run(the_op, static_cast<softcheck::Format>(format), *call);
  } catch (const c10::Error& error) {
    return report(error.what_without_backtrace(), message, message_size);
  } catch (const std::exception& error) {
    return report(error.what(), message, message_size);
  }
  return kRunOk;
}
