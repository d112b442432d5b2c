#include "adapters/adapters.hpp"

namespace softcheck {

void register_all_kernels(Registry& registry, [[maybe_unused]] IsolationOptions isolation) {
  register_builtin_kernels(registry);
#ifdef SOFTCHECK_HAVE_ONEDNN
  adapters::register_onednn_kernels(registry, isolation);
#endif
#ifdef SOFTCHECK_HAVE_XNNPACK
  adapters::register_xnnpack_kernels(registry, isolation);
#endif
#ifdef SOFTCHECK_HAVE_TORCH
  adapters::register_torch_kernels(registry, isolation);
#endif
}

std::vector<std::string> compiled_providers() {
  std::vector<std::string> providers{"builtin"};
#ifdef SOFTCHECK_HAVE_ONEDNN
  providers.push_back("onednn");
#endif
#ifdef SOFTCHECK_HAVE_XNNPACK
  providers.push_back("xnnpack");
#endif
#ifdef SOFTCHECK_HAVE_TORCH
  providers.push_back("torch");
#endif
  return providers;
}

}  // namespace softcheck
