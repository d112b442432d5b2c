// What the oneDNN kernels share: the CPU engine, element types, dense row buffers and
// oneDNN's errors as KernelFailure.
#pragma once

#include <cstddef>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "kernels/kernel.hpp"

namespace softcheck::adapters::onednn {

// The softmax axis of a rows x n tensor.
inline constexpr int kRowAxis = 1;

// oneDNN's element type for a softcheck format; undef where oneDNN has none (f64).
dnnl::memory::data_type data_type(Format format);

// One CPU engine per process, created on first use (in the isolation worker when isolated).
const dnnl::engine& cpu_engine();

// A dense rows x n tensor descriptor in the format.
dnnl::memory::desc dense_rows(Format format, std::size_t rows, std::size_t n);

// The call's rows, copied from (or to) their strided layout. oneDNN dispatches a strided
// tensor (stride > n) to its slow reference implementation; softcheck checks the code that
// users of a dense tensor get.
std::vector<std::byte> dense_copy_of_input(Format format, const KernelCall& call);
// The same for any rows x n array laid out as the call's rows (another input: y, dy, ...).
std::vector<std::byte> dense_copy_of(Format format, const void* strided, const KernelCall& call);
void copy_dense_to(const std::vector<std::byte>& dense, Format format, void* strided,
                   const KernelCall& call);

// Runs `body`, turning a dnnl::error into KernelFailure naming oneDNN's status.
template <class Body>
void reporting_onednn_errors(Body body);

[[noreturn]] void throw_kernel_failure(const dnnl::error& error);

template <class Body>
void reporting_onednn_errors(Body body) {
  try {
    body();
  } catch (const dnnl::error& error) {
    throw_kernel_failure(error);
  }
}

}  // namespace softcheck::adapters::onednn
