#include "adapters/onednn_common.hpp"

#include <cstring>
#include <string>

namespace softcheck::adapters::onednn {
namespace {

// Copies `rows` rows of `row_bytes` between buffers whose rows are `from_pitch` and
// `to_pitch` bytes apart.
void copy_rows(const std::byte* from, std::size_t from_pitch, std::byte* to,
               std::size_t to_pitch, std::size_t rows, std::size_t row_bytes) {
  for (std::size_t r = 0; r < rows; ++r)
    std::memcpy(to + r * to_pitch, from + r * from_pitch, row_bytes);
}

}  // namespace

dnnl::memory::data_type data_type(Format format) {
  using dnnl::memory;
  switch (format) {
    case Format::f32: return memory::data_type::f32;
    case Format::bf16: return memory::data_type::bf16;  // same bits as softcheck's uint16_t
    case Format::f16: return memory::data_type::f16;
    case Format::f64: return memory::data_type::undef;
  }
  return memory::data_type::undef;
}

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::memory::desc dense_rows(Format format, std::size_t rows, std::size_t n) {
  return dnnl::memory::desc({static_cast<dnnl::memory::dim>(rows),
                             static_cast<dnnl::memory::dim>(n)},
                            data_type(format), dnnl::memory::format_tag::ab);
}

std::vector<std::byte> dense_copy_of_input(Format format, const KernelCall& call) {
  return dense_copy_of(format, call.x, call);
}

std::vector<std::byte> dense_copy_of(Format format, const void* strided, const KernelCall& call) {
  const std::size_t element = traits(format).storage_bytes;
  std::vector<std::byte> dense(call.rows * call.n * element);
  copy_rows(static_cast<const std::byte*>(strided), call.stride * element, dense.data(),
            call.n * element, call.rows, call.n * element);
  return dense;
}

void copy_dense_to(const std::vector<std::byte>& dense, Format format, void* strided,
                   const KernelCall& call) {
  const std::size_t element = traits(format).storage_bytes;
  copy_rows(dense.data(), call.n * element, static_cast<std::byte*>(strided),
            call.stride * element, call.rows, call.n * element);
}

void throw_kernel_failure(const dnnl::error& error) {
  throw KernelFailure(std::string("oneDNN: ") + error.what() + " (status " +
                      std::to_string(static_cast<int>(error.status)) + ")");
}

}  // namespace softcheck::adapters::onednn
