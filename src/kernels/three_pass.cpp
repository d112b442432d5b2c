// Three-pass kernels (recompute, reload); the algorithms and their accuracy are described in
// three_pass.hpp.
#include "kernels/three_pass.hpp"

#include <vector>

#include "kernels/builtin.hpp"

namespace softcheck::kernels {

KernelFn make_three_pass_recompute(Op op, Format format) {
  return visit_format(format, [op]<class E>(E) -> KernelFn {
    return row_kernel<E>(op, &three_pass_recompute_row<E>);
  });
}

KernelFn make_three_pass_reload(Op op, Format format) {
  return visit_format(format, [op]<class E>(E) -> KernelFn {
    return [op](const KernelCall& call) {
      constexpr bool kNeedsScratch = !std::is_same_v<typename E::storage, typename E::acc>;
      std::vector<typename E::acc> scratch(kNeedsScratch ? call.n : 0);
      run_rows<E>(op, call, [&](const Row<E>& row) {
        three_pass_reload_row(op, row, reload_buffer(row, scratch.data()));
      });
    };
  });
}

}  // namespace softcheck::kernels
