#include "adapters/adapters.hpp"
#include "kernels/attention_kernel.hpp"

namespace softcheck {

void register_all_kernels(Registry& registry, [[maybe_unused]] IsolationOptions isolation) {
  register_builtin_kernels(registry);
  register_builtin_attention_kernels(AttentionRegistry::instance());
#ifdef SOFTCHECK_HAVE_ONEDNN
  adapters::register_onednn_kernels(registry, isolation);
#endif
#ifdef SOFTCHECK_HAVE_XNNPACK
  adapters::register_xnnpack_kernels(registry, isolation);
#endif
#ifdef SOFTCHECK_HAVE_TORCH
  adapters::register_torch_kernels(registry, isolation);
  adapters::register_torch_attention_kernels(AttentionRegistry::instance(), isolation);
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
