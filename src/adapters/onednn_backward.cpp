// oneDNN softmax_v2 backward kernels (see onednn_softmax.hpp): the backward ops on the forward
// output and the incoming gradient the call carries. oneDNN's developer guide defines them as
//   softmax_accurate: diff_src_i = dst_i * (diff_dst_i - sum_j dst_j diff_dst_j)
//   softmax_log:      diff_src_i = diff_dst_i - exp(dst_i) * sum_j diff_dst_j
// which are softcheck's softmax_backward(y, dy) and log_softmax_backward(log_y, dy).
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

// Shape of the tensor that supports_backward() asks oneDNN about.
constexpr std::size_t kProbeRows = 2;
constexpr std::size_t kProbeLength = 17;

bool has_primitive(Op op) { return op == Op::softmax_backward || op == Op::log_softmax_backward; }

dnnl::algorithm algorithm_for(Op op) {
  return op == Op::log_softmax_backward ? dnnl::algorithm::softmax_log
                                        : dnnl::algorithm::softmax_accurate;
}

// The forward output the backward takes as dst.
Input forward_output(Op op) { return op == Op::log_softmax_backward ? Input::log_y : Input::y; }

// The backward primitive descriptor for a dense rows x n tensor; empty when oneDNN has no
// implementation. oneDNN requires a forward (training) primitive descriptor as a hint; the
// forward primitive itself is never run.
softmax_v2_backward::primitive_desc describe(Op op, Format format, std::size_t rows,
                                             std::size_t n) {
  const memory::desc tensor = dense_rows(format, rows, n);
  const softmax_v2_forward::desc forward(dnnl::prop_kind::forward_training, algorithm_for(op),
                                         tensor, tensor, kRowAxis);
  const softmax_v2_forward::primitive_desc hint(forward, cpu_engine(), /*allow_empty=*/true);
  if (!hint) return {};
  const softmax_v2_backward::desc backward(algorithm_for(op), tensor, tensor, tensor, kRowAxis);
  return softmax_v2_backward::primitive_desc(backward, cpu_engine(), hint, /*allow_empty=*/true);
}

void run(Op op, Format format, const KernelCall& call) {
  if (call.rows == 0 || call.n == 0) return;
  std::vector<std::byte> dst = dense_copy_of(format, call.input(forward_output(op)), call);
  std::vector<std::byte> diff_dst = dense_copy_of(format, call.input(Input::dy), call);
  std::vector<std::byte> diff_src(dst.size());

  const OneThreadScope one_thread;
  reporting_onednn_errors([&] {
    const auto pd = describe(op, format, call.rows, call.n);
    if (!pd) throw KernelFailure("oneDNN has no softmax_v2 backward for this shape");
    const dnnl::engine& engine = cpu_engine();
    memory dst_memory(pd.dst_desc(), engine, dst.data());
    memory diff_dst_memory(pd.diff_dst_desc(), engine, diff_dst.data());
    memory diff_src_memory(pd.diff_src_desc(), engine, diff_src.data());
    dnnl::stream stream(engine);
    softmax_v2_backward(pd).execute(stream, {{DNNL_ARG_DST, dst_memory},
                                             {DNNL_ARG_DIFF_DST, diff_dst_memory},
                                             {DNNL_ARG_DIFF_SRC, diff_src_memory}});
    stream.wait();
  });
  copy_dense_to(diff_src, format, call.out, call);
}

}  // namespace

bool supports_backward(Op op, Format format) {
  if (!has_primitive(op) || data_type(format) == memory::data_type::undef) return false;
  try {
    return static_cast<bool>(describe(op, format, kProbeRows, kProbeLength));
  } catch (const dnnl::error&) {
    return false;
  }
}

KernelFn make_backward_kernel(Op op, Format format) {
  return [op, format](const KernelCall& call) { run(op, format, call); };
}

}  // namespace softcheck::adapters::onednn
