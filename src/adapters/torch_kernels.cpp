// The libtorch module, libsoftcheck_torch.so (see torch_abi.hpp): softcheck's ops on libtorch
// 1.13's CPU kernels. The only translation unit that includes libtorch's headers; per-operator
// headers keep its compile time to a few seconds.
//
//   softmax        at::softmax(x, 1)
//   log_softmax    at::log_softmax(x, 1)
//   logsumexp      at::logsumexp(x, {1})
//   cross_entropy  loss: at::cross_entropy_loss(x, target, reduction none); gradient:
//                  autograd's d(sum of losses)/d logits, in the logits' dtype
//   softmax_backward      at::_softmax_backward_data(dy, y, 1, dtype)
//   log_softmax_backward  at::_log_softmax_backward_data(dy, log_y, 1, dtype)
//                  (the kernels autograd runs for softmax and log_softmax; the forward input
//                  had the call's dtype, so input_dtype is that dtype too; y and log_y are
//                  passed contiguous, as autograd passes them, see run_softmax_backward)
//
// Each op computes in the call's format (f64, f32, bf16). The call's rows are viewed in place
// with their stride (from_blob; the backward ops' y and log_y are copied contiguous) and the
// results copied back into out/loss with the same stride. libtorch runs on one intra-op
// thread, set on the first call. Rows with n = 0 give no outputs, except logsumexp, where
// libtorch gives -inf (the special-value table's value).
//
//   softmax by masked softmax  at::_masked_softmax(x', mask, 1, mask_type 2), mask = (x == -inf)
//                              (True = masked), x' = x with those entries 0 (f64, f32)
//   attention (one head, docs/attention-torch.md):
//     sdpa_math   at::_scaled_dot_product_attention_math(q, k, v, mask, 0, false, false)
//     native_mha  at::_native_multi_head_attention(q, k, v, d, 1, [I;I;I], 0, I, 0, mask,
//                 false, true, 2)
#include "adapters/torch_abi.hpp"

#include <ATen/Parallel.h>
#include <ATen/core/Reduction.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/_log_softmax_backward_data.h>
#include <ATen/ops/_masked_softmax.h>
#include <ATen/ops/_native_multi_head_attention.h>
#include <ATen/ops/_scaled_dot_product_attention_math.h>
#include <ATen/ops/_softmax_backward_data.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/cross_entropy_loss.h>
#include <ATen/ops/eq.h>
#include <ATen/ops/eye.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/log_softmax.h>
#include <ATen/ops/logsumexp.h>
#include <ATen/ops/masked_fill.h>
#include <ATen/ops/ne.h>
#include <ATen/ops/softmax.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>
#include <c10/util/Exception.h>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>

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

// The backward ops on the forward output (y or log_y) and dy the call carries: dy viewed in
// place with the call's stride, the forward output as a contiguous copy - what autograd hands
// these functions (the forward's result, which libtorch allocates contiguous). libtorch 1.13's
// softmax_backward_cpu_out makes output contiguous but passes the original tensor to
// softmax_backward_lastdim_kernel, which reads it as dense: with a row stride > n every row
// after the first is computed from the wrong y.
void run_softmax_backward(const KernelCall& call, Format format) {
  const at::Tensor y = rows_view(call.input(Input::y), call, format).contiguous();
  rows_view(call.out, call, format)
      .copy_(at::_softmax_backward_data(rows_view(call.input(Input::dy), call, format), y,
                                        kRowAxis, scalar_type(format)));
}

void run_log_softmax_backward(const KernelCall& call, Format format) {
  const at::Tensor log_y = rows_view(call.input(Input::log_y), call, format).contiguous();
  rows_view(call.out, call, format)
      .copy_(at::_log_softmax_backward_data(rows_view(call.input(Input::dy), call, format), log_y,
                                            kRowAxis, scalar_type(format)));
}

void run(Op op, Format format, const KernelCall& call) {
  if (op == Op::softmax) return run_softmax(call, format);
  if (op == Op::log_softmax) return run_log_softmax(call, format);
  if (op == Op::logsumexp) return run_logsumexp(call, format);
  if (op == Op::cross_entropy) return run_cross_entropy(call, format);
  if (op == Op::softmax_backward) return run_softmax_backward(call, format);
  if (op == Op::log_softmax_backward) return run_log_softmax_backward(call, format);
  throw std::invalid_argument("libtorch: no kernel for op " + std::to_string(op.index()));  // never registered
}

// --- softmax by at::_masked_softmax ---------------------------------------------------------

// libtorch 1.13's masked softmax (SoftMax.cpp, host_softmax with MaskedSoftMax) takes the max
// over the unmasked entries, z_i = exp(x_i - max) in the format (0 where masked), sums the z_i
// in the accumulation type (f64 for f32 rows) and writes z_i / sum rounded once to the format
// (f32 bit-exact against that model on random rows). A row whose entries are all -inf is all
// masked: 0 / 0, every output NaN - the special-value table's value for a fully masked row.
// mask_type 2 is the general mask of the input's shape (1.13 requires a mask_type).
void run_masked_softmax(const KernelCall& call, Format format) {
  const at::Tensor x = rows_view(call.x, call, format).clone(at::MemoryFormat::Contiguous);
  const at::Tensor masked = at::eq(x, -std::numeric_limits<double>::infinity());
  const at::Tensor filled = x.masked_fill(masked, 0.0);
  rows_view(call.out, call, format)
      .copy_(at::_masked_softmax(filled, masked, kRowAxis, /*mask_type=*/2));
}

// --- attention --------------------------------------------------------------------------------

// A contiguous rows x cols matrix in `format` at `base`, without a copy.
at::Tensor matrix_view(const void* base, std::size_t rows, std::size_t cols, Format format) {
  return at::from_blob(const_cast<void*>(base),
                       {static_cast<std::int64_t>(rows), static_cast<std::int64_t>(cols)},
                       at::TensorOptions().dtype(scalar_type(format)));
}

// The call's keep array (1 = attended) as lq x lk bytes.
at::Tensor keep_view(const AttentionCall& call) {
  return at::from_blob(const_cast<std::uint8_t*>(call.keep),
                       {static_cast<std::int64_t>(call.shape.lq),
                        static_cast<std::int64_t>(call.shape.lk)},
                       at::TensorOptions().dtype(at::kByte));
}

bool keeps_everything(const AttentionCall& call) {
  const std::size_t cells = call.shape.lq * call.shape.lk;
  for (std::size_t c = 0; c < cells; ++c)
    if (call.keep[c] == 0) return false;
  return true;
}

// What neither algorithm takes: a softcap (the registered kernels declare such cases refused;
// reaching here is a caller's mistake).
void require_no_softcap(const AttentionCall& call, const char* algorithm) {
  if (call.softcap != 0.0) throw std::invalid_argument(std::string(algorithm) + ": no softcap");
}

// Q as the attention functions get it. Both scale by 1/sqrt(d) themselves and take no scale
// argument in 1.13, so another scale is passed as a caller of 1.13 must: Q multiplied by
// scale * sqrt(d) first, in the storage dtype (the factor rounded to the dtype, then each
// product rounded), and the function's own 1/sqrt(d) brings it to scale * Q K^T up to those
// roundings - part of the kernel's error, inside its contract's allowance for the scores.
at::Tensor query(const AttentionCall& call, Format format) {
  const at::Tensor q = matrix_view(call.q, call.shape.lq, call.shape.d, format);
  const double root = std::sqrt(static_cast<double>(call.shape.d));
  if (call.scale == 1.0 / root) return q;
  return q.mul(call.scale * root);
}

// The math path of libtorch 1.13 (aten/src/ATen/native/transformers/attention.cpp):
// q' = q * (1/sqrt(d)) (f32, f64: the scalar rounded to the format, then the product rounded),
// S = q' K^T (matmul), S += mask, P = softmax(S) (at::softmax over the last dimension),
// O = P V. Bit-exact against that composite on random f32 and f64 inputs. A boolean mask is
// True where a key is attended (converted to 0 / -inf and added); a float mask is added as
// is. No mask is passed when every key is attended. The dense mask stands for every mask kind
// and alignment (is_causal would be top-left only). A fully masked row is all -inf: NaN.
void run_sdpa_math(const AttentionCall& call, Format format) {
  require_no_softcap(call, "sdpa-math");
  const AttentionShape& s = call.shape;
  const at::Tensor q = query(call, format);
  const at::Tensor k = matrix_view(call.k, s.lk, s.d, format);
  const at::Tensor v = matrix_view(call.v, s.lk, s.d, format);
  c10::optional<at::Tensor> mask;
  if (call.bias != nullptr)
    mask = matrix_view(call.bias, s.lq, s.lk, format);  // additive, in the storage dtype
  else if (call.keep != nullptr && !keeps_everything(call))
    mask = at::ne(keep_view(call), 0);  // bool, True = attended
  const auto result = at::_scaled_dot_product_attention_math(
      q, k, v, mask, /*dropout_p=*/0.0, /*need_attn_weights=*/false, /*is_causal=*/false);
  matrix_view(call.out, s.lq, s.d, format).copy_(std::get<0>(result));
}

// libtorch 1.13's fused multi-head attention (native_multi_head_attention_cpu) as one head of
// width d on a batch of one: the QKV projection [I; I; I] with bias 0 and the output
// projection I with bias 0 are exact, so it computes q' = q * fl(1 / fl(sqrt(d))) (in the
// format, _transform_bias_rescale_qkv), S = bmm(q', K^T), P = softmax (unmasked) or
// _masked_softmax (masked; its mask is True where masked), O = bmm(P, V). Query, key and value
// must have the same shape (Lq = Lk). 1.13 on CPU refuses a 2-D L x L mask (it expects
// (batch, L), and mask_type 0 "src_mask not currently supported on CPU"); a 1 x 1 x L x L
// mask with mask_type 2 takes any pattern. Additive masks are turned into booleans (masked
// where the bias is not 0) as libtorch itself would (with a warning); a finite sentinel cannot
// be expressed so. A fully masked row is 0 / 0: NaN.
void run_native_mha(const AttentionCall& call, Format format) {
  require_no_softcap(call, "native-mha");
  const AttentionShape& s = call.shape;
  if (s.lq != s.lk)
    throw std::invalid_argument("native-mha: query and key lengths differ (" +
                                std::to_string(s.lq) + " and " + std::to_string(s.lk) + ")");
  const auto length = static_cast<std::int64_t>(s.lq);
  const auto d = static_cast<std::int64_t>(s.d);
  const at::Tensor q = query(call, format).unsqueeze(0);
  const at::Tensor k = matrix_view(call.k, s.lk, s.d, format).unsqueeze(0);
  const at::Tensor v = matrix_view(call.v, s.lk, s.d, format).unsqueeze(0);
  const at::TensorOptions options = at::TensorOptions().dtype(scalar_type(format));
  const at::Tensor identity = at::eye(d, options);
  const at::Tensor qkv_weight = at::cat({identity, identity, identity}, 0);
  const at::Tensor qkv_bias = at::zeros({3 * d}, options);
  const at::Tensor proj_bias = at::zeros({d}, options);
  c10::optional<at::Tensor> masked;
  if (call.bias != nullptr) {
    const at::Tensor bias = matrix_view(call.bias, s.lq, s.lk, format);
    const at::Tensor finite_nonzero =
        at::ne(bias, 0.0).logical_and(at::ne(bias, -std::numeric_limits<double>::infinity()));
    if (finite_nonzero.any().item<bool>())
      throw std::invalid_argument("native-mha: an additive mask with a finite sentinel");
    masked = at::ne(bias, 0.0);
  } else if (call.keep != nullptr && !keeps_everything(call)) {
    masked = at::eq(keep_view(call), 0);
  }
  c10::optional<std::int64_t> mask_type;
  if (masked) {
    masked = masked->reshape({1, 1, length, length});
    mask_type = 2;
  }
  const auto result = at::_native_multi_head_attention(
      q, k, v, d, /*num_head=*/1, qkv_weight, qkv_bias, identity, proj_bias, masked,
      /*need_weights=*/false, /*average_attn_weights=*/true, mask_type);
  matrix_view(call.out, s.lq, s.d, format).copy_(std::get<0>(result).reshape({length, d}));
}

// `count` quiet NaNs in `format` (the module links libtorch, not softcheck's core, so the
// bit patterns are written here: the quiet NaN of each storage format).
void fill_nan(Format format, void* base, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) switch (format) {
      case Format::f64: static_cast<double*>(base)[i] = std::numeric_limits<double>::quiet_NaN(); break;
      case Format::f32: static_cast<float*>(base)[i] = std::numeric_limits<float>::quiet_NaN(); break;
      case Format::bf16: static_cast<std::uint16_t*>(base)[i] = 0x7FC0; break;
      case Format::f16: static_cast<std::uint16_t*>(base)[i] = 0x7E00; break;
    }
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
  // An empty row has no element outputs; logsumexp's -inf comes from libtorch itself; a loss
  // has no valid target, so it is NaN (the special-value table), without calling libtorch.
  if (call->n == 0 && the_op != softcheck::Op::logsumexp) {
    if (the_op == softcheck::Op::cross_entropy)
      fill_nan(static_cast<softcheck::Format>(format), call->loss, call->rows);
    return kRunOk;
  }
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

namespace {

// Runs `body`, turning what it throws into kRunError and a message.
template <class Body>
int guarded(char* message, std::size_t message_size, const Body& body) {
  using namespace softcheck::adapters::torch_adapter;
  try {
    use_one_thread();
    body();
  } catch (const c10::Error& error) {
    return report(error.what_without_backtrace(), message, message_size);
  } catch (const std::exception& error) {
    return report(error.what(), message, message_size);
  }
  return kRunOk;
}

}  // namespace

extern "C" int softcheck_torch_run_masked_softmax(int format, const softcheck::KernelCall* call,
                                                  char* message, std::size_t message_size) {
  using namespace softcheck::adapters::torch_adapter;
  if (call->rows == 0 || call->n == 0) return kRunOk;
  return guarded(message, message_size,
                 [&] { run_masked_softmax(*call, static_cast<softcheck::Format>(format)); });
}

extern "C" int softcheck_torch_run_attention(int algorithm, int format,
                                             const softcheck::AttentionCall* call, char* message,
                                             std::size_t message_size) {
  using namespace softcheck::adapters::torch_adapter;
  if (call->shape.lq == 0) return kRunOk;
  const auto the_format = static_cast<softcheck::Format>(format);
  return guarded(message, message_size, [&] {
    switch (static_cast<AttentionAlgorithm>(algorithm)) {
      case AttentionAlgorithm::sdpa_math: return run_sdpa_math(*call, the_format);
      case AttentionAlgorithm::native_mha: return run_native_mha(*call, the_format);
    }
    throw std::invalid_argument("libtorch: no attention algorithm " + std::to_string(algorithm));
  });
}
