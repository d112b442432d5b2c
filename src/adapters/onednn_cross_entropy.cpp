// oneDNN cross-entropy: log_softmax forward (training) and its backward (see
// onednn_softmax.hpp). With diff_dst = -onehot(target) the log_softmax backward gives
// diff_src = diff_dst - exp(dst) * sum(diff_dst) = exp(log_softmax) - onehot, the gradient of
// the loss -log_softmax[target] with respect to the logits: the way a training framework
// built on oneDNN gets both.
#include <cmath>
#include <cstddef>
#include <vector>

#include "adapters/onednn_common.hpp"
#include "adapters/onednn_softmax.hpp"
#include "adapters/onednn_threads.hpp"

namespace softcheck::adapters::onednn {
namespace {

using dnnl::memory;
using dnnl::softmax_v2_backward;
using dnnl::softmax_v2_forward;

// Shape of the tensor that supports_cross_entropy() asks oneDNN about.
constexpr std::size_t kProbeRows = 2;
constexpr std::size_t kProbeLength = 17;

struct Descriptors {
  softmax_v2_forward::primitive_desc forward;
  softmax_v2_backward::primitive_desc backward;
  explicit operator bool() const { return static_cast<bool>(forward) && static_cast<bool>(backward); }
};

Descriptors describe(Format format, std::size_t rows, std::size_t n) {
  const memory::desc tensor = dense_rows(format, rows, n);
  const softmax_v2_forward::desc forward(dnnl::prop_kind::forward_training,
                                         dnnl::algorithm::softmax_log, tensor, tensor, kRowAxis);
  Descriptors pds;
  pds.forward = softmax_v2_forward::primitive_desc(forward, cpu_engine(), /*allow_empty=*/true);
  if (!pds.forward) return pds;
  const softmax_v2_backward::desc backward(dnnl::algorithm::softmax_log, tensor, tensor, tensor,
                                           kRowAxis);
  pds.backward = softmax_v2_backward::primitive_desc(backward, cpu_engine(), pds.forward,
                                                     /*allow_empty=*/true);
  return pds;
}

// diff_dst = -onehot(target), dense rows x n.
std::vector<std::byte> minus_onehot(Format format, const KernelCall& call) {
  std::vector<std::byte> dense(call.rows * call.n * traits(format).storage_bytes);
  for (std::size_t r = 0; r < call.rows; ++r) {
    for (std::size_t i = 0; i < call.n; ++i) store(format, dense.data(), r * call.n + i, 0.0);
    store(format, dense.data(), r * call.n + static_cast<std::size_t>(call.target[r]), -1.0);
  }
  return dense;
}

void run(Format format, const KernelCall& call) {
  if (call.rows == 0) return;
  if (call.n == 0) {
    // An empty row has no valid target: its loss is NaN (the special-value table); oneDNN is
    // not called on empty tensors.
    for (std::size_t r = 0; r < call.rows; ++r) store(format, call.loss, r, std::nan(""));
    return;
  }
  std::vector<std::byte> src = dense_copy_of_input(format, call);
  std::vector<std::byte> dst(src.size());
  std::vector<std::byte> diff_dst = minus_onehot(format, call);
  std::vector<std::byte> diff_src(src.size());

  const OneThreadScope one_thread;
  reporting_onednn_errors([&] {
    const Descriptors pds = describe(format, call.rows, call.n);
    if (!pds) throw KernelFailure("oneDNN has no softmax_v2 forward/backward for this shape");
    const dnnl::engine& engine = cpu_engine();
    memory src_memory(pds.forward.src_desc(), engine, src.data());
    memory dst_memory(pds.forward.dst_desc(), engine, dst.data());
    memory diff_dst_memory(pds.backward.diff_dst_desc(), engine, diff_dst.data());
    memory diff_src_memory(pds.backward.diff_src_desc(), engine, diff_src.data());
    dnnl::stream stream(engine);
    softmax_v2_forward(pds.forward)
        .execute(stream, {{DNNL_ARG_SRC, src_memory}, {DNNL_ARG_DST, dst_memory}});
    softmax_v2_backward(pds.backward)
        .execute(stream, {{DNNL_ARG_DST, dst_memory},
                          {DNNL_ARG_DIFF_DST, diff_dst_memory},
                          {DNNL_ARG_DIFF_SRC, diff_src_memory}});
    stream.wait();
  });
  copy_dense_to(diff_src, format, call.out, call);
  for (std::size_t r = 0; r < call.rows; ++r) {
    const std::size_t at = r * call.n + static_cast<std::size_t>(call.target[r]);
    store(format, call.loss, r, -load(format, dst.data(), at));  // loss = -log_softmax[target]
  }
}

}  // namespace

bool supports_cross_entropy(Format format) {
  if (data_type(format) == memory::data_type::undef) return false;
  try {
    return static_cast<bool>(describe(format, kProbeRows, kProbeLength));
  } catch (const dnnl::error&) {
    return false;
  }
}

KernelFn make_cross_entropy_kernel(Format format) {
  return [format](const KernelCall& call) { run(format, call); };
}

}  // namespace softcheck::adapters::onednn
