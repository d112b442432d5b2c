// oneDNN softmax_v2 forward kernels (see onednn_softmax.hpp).
#include "adapters/onednn_softmax.hpp"

#include <cstddef>
#include <vector>

#include "adapters/onednn_common.hpp"
#include "adapters/onednn_threads.hpp"

namespace softcheck::adapters::onednn {
namespace {

using dnnl::memory;
using dnnl::softmax_v2_forward;

// Shape of the tensor that supports() asks oneDNN about: small, and not a vector multiple.
constexpr std::size_t kProbeRows = 2;
constexpr std::size_t kProbeLength = 17;

dnnl::algorithm algorithm_for(Op op) {
  return op == Op::log_softmax ? dnnl::algorithm::softmax_log : dnnl::algorithm::softmax_accurate;
}

bool has_primitive(Op op) { return op == Op::softmax || op == Op::log_softmax; }

// The primitive descriptor for a dense rows x n tensor; empty when oneDNN has no
// implementation. oneDNN's primitive cache makes repeated creation for a shape cheap.
softmax_v2_forward::primitive_desc describe(Op op, Format format, std::size_t rows,
                                            std::size_t n) {
  const memory::desc tensor = dense_rows(format, rows, n);
  const softmax_v2_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm_for(op),
                                      tensor, tensor, kRowAxis);
  return softmax_v2_forward::primitive_desc(desc, cpu_engine(), /*allow_empty=*/true);
}

void run(Op op, Format format, const KernelCall& call) {
  if (call.rows == 0 || call.n == 0) return;
  std::vector<std::byte> src = dense_copy_of_input(format, call);
  std::vector<std::byte> dst(src.size());

  const OneThreadScope one_thread;
  reporting_onednn_errors([&] {
    const auto pd = describe(op, format, call.rows, call.n);
    if (!pd) throw KernelFailure("oneDNN has no softmax_v2 implementation for this shape");
    memory src_memory(pd.src_desc(), cpu_engine(), src.data());
    memory dst_memory(pd.dst_desc(), cpu_engine(), dst.data());
    dnnl::stream stream(cpu_engine());
    softmax_v2_forward(pd).execute(stream,
                                   {{DNNL_ARG_SRC, src_memory}, {DNNL_ARG_DST, dst_memory}});
    stream.wait();
  });
  copy_dense_to(dst, format, call.out, call);
}

}  // namespace

bool supports(Op op, Format format) {
  if (!has_primitive(op) || data_type(format) == memory::data_type::undef) return false;
  try {
    return static_cast<bool>(describe(op, format, kProbeRows, kProbeLength));
  } catch (const dnnl::error&) {
    return false;
  }
}

KernelFn make_kernel(Op op, Format format) {
  return [op, format](const KernelCall& call) { run(op, format, call); };
}

}  // namespace softcheck::adapters::onednn
