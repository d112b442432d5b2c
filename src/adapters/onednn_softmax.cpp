// oneDNN softmax_v2 forward kernels (see onednn_softmax.hpp).
#include "adapters/onednn_softmax.hpp"

#include <cstddef>
#include <cstring>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "adapters/onednn_threads.hpp"

namespace softcheck::adapters::onednn {
namespace {

using dnnl::memory;
using dnnl::softmax_v2_forward;

// The softmax axis of the rows x n tensor.
constexpr int kRowAxis = 1;
// Shape of the tensor that supports() asks oneDNN about: small, and not a vector multiple.
constexpr memory::dim kProbeRows = 2;
constexpr memory::dim kProbeLength = 17;

// oneDNN's element type for a softcheck format; undef where oneDNN has none (f64).
memory::data_type data_type(Format format) {
  switch (format) {
    case Format::f32: return memory::data_type::f32;
    case Format::bf16: return memory::data_type::bf16;  // same bits as softcheck's uint16_t
    case Format::f16: return memory::data_type::f16;
    case Format::f64: return memory::data_type::undef;
  }
  return memory::data_type::undef;
}

dnnl::algorithm algorithm_for(Op op) {
  return op == Op::log_softmax ? dnnl::algorithm::softmax_log : dnnl::algorithm::softmax_accurate;
}

bool has_primitive(Op op) { return op == Op::softmax || op == Op::log_softmax; }

// One CPU engine per process, created on first use (in the isolation worker when isolated).
const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// The primitive descriptor for a dense rows x n tensor; empty when oneDNN has no
// implementation. oneDNN's primitive cache makes repeated creation for a shape cheap.
softmax_v2_forward::primitive_desc describe(Op op, Format format, memory::dim rows,
                                            memory::dim n) {
  const memory::desc tensor({rows, n}, data_type(format), memory::format_tag::ab);
  const softmax_v2_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm_for(op),
                                      tensor, tensor, kRowAxis);
  return softmax_v2_forward::primitive_desc(desc, cpu_engine(), /*allow_empty=*/true);
}

// Copies `rows` rows of `row_bytes` between buffers whose rows are `from_pitch` and
// `to_pitch` bytes apart.
void copy_rows(const std::byte* from, std::size_t from_pitch, std::byte* to,
               std::size_t to_pitch, std::size_t rows, std::size_t row_bytes) {
  for (std::size_t r = 0; r < rows; ++r)
    std::memcpy(to + r * to_pitch, from + r * from_pitch, row_bytes);
}

void run(Op op, Format format, const KernelCall& call) {
  if (call.rows == 0 || call.n == 0) return;
  const std::size_t element = traits(format).storage_bytes;
  const std::size_t row_bytes = call.n * element;
  const std::size_t pitch = call.stride * element;
  std::vector<std::byte> src(call.rows * row_bytes);
  std::vector<std::byte> dst(call.rows * row_bytes);
  copy_rows(static_cast<const std::byte*>(call.x), pitch, src.data(), row_bytes, call.rows,
            row_bytes);

  const OneThreadScope one_thread;
  try {
    const auto pd = describe(op, format, static_cast<memory::dim>(call.rows),
                             static_cast<memory::dim>(call.n));
    if (!pd) throw KernelFailure("oneDNN has no softmax_v2 implementation for this shape");
    const softmax_v2_forward primitive(pd);
    memory src_memory(pd.src_desc(), cpu_engine(), src.data());
    memory dst_memory(pd.dst_desc(), cpu_engine(), dst.data());
    dnnl::stream stream(cpu_engine());
    primitive.execute(stream, {{DNNL_ARG_SRC, src_memory}, {DNNL_ARG_DST, dst_memory}});
    stream.wait();
  } catch (const dnnl::error& error) {
    throw KernelFailure(std::string("oneDNN: ") + error.what() +
                        " (status " + std::to_string(static_cast<int>(error.status)) + ")");
  }
  copy_rows(dst.data(), row_bytes, static_cast<std::byte*>(call.out), pitch, call.rows,
            row_bytes);
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
