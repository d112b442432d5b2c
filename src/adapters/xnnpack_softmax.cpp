// XNNPACK softmax_nc_f32 kernel (see xnnpack_softmax.hpp).
#include "adapters/xnnpack_softmax.hpp"

#include <algorithm>
#include <cstdint>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>
#include <xnnpack.h>

namespace softcheck::adapters::xnnpack {
namespace {

// XNNPACK's micro-kernels may read (never write) up to XNN_EXTRA_BYTES past a tensor.
constexpr std::size_t kExtraFloats = (XNN_EXTRA_BYTES + sizeof(float) - 1) / sizeof(float);
// No flags: plain softmax over the channels of each batch row.
constexpr std::uint32_t kNoFlags = 0;

struct OperatorDeleter {
  void operator()(xnn_operator_t op) const { xnn_delete_operator(op); }
};
using Operator = std::unique_ptr<xnn_operator, OperatorDeleter>;

void check(xnn_status status, const char* what) {
  if (status != xnn_status_success)
    throw KernelFailure(std::string("XNNPACK: ") + what + " failed (status " +
                        std::to_string(static_cast<int>(status)) + ")");
}

// Initialises XNNPACK once per process, on first use. Never deinitialised: kernels live
// until the process ends.
void initialise() {
  static const xnn_status status = xnn_initialize(/*allocator=*/nullptr);
  check(status, "xnn_initialize");
}

void run(const KernelCall& call) {
  if (call.rows == 0 || call.n == 0) return;
  initialise();
  // The elements a call may touch: rows at `stride`, the last one ending after n.
  const std::size_t span = (call.rows - 1) * call.stride + call.n;
  const auto* x = static_cast<const float*>(call.x);
  auto* out = static_cast<float*>(call.out);
  std::vector<float> input(x, x + span);
  std::vector<float> output(out, out + span);  // keeps the padding between rows as it was
  input.resize(span + kExtraFloats);
  output.resize(span + kExtraFloats);

  xnn_operator_t created = nullptr;
  check(xnn_create_softmax_nc_f32(call.n, call.stride, call.stride, kNoFlags, &created),
        "xnn_create_softmax_nc_f32");
  const Operator op(created);
  check(xnn_setup_softmax_nc_f32(op.get(), call.rows, input.data(), output.data(),
                                 /*threadpool=*/nullptr),
        "xnn_setup_softmax_nc_f32");
  check(xnn_run_operator(op.get(), /*threadpool=*/nullptr), "xnn_run_operator");
  std::copy(output.begin(), output.begin() + static_cast<std::ptrdiff_t>(span), out);
}

}  // namespace

KernelFn make_softmax_f32_kernel() { return run; }

}  // namespace softcheck::adapters::xnnpack
