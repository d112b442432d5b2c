// Opens libsoftcheck_torch.so with dlopen and calls its C interface (see torch_loader.hpp).
#include "adapters/torch_loader.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "adapters/torch_abi.hpp"

namespace softcheck::adapters::torch_adapter {
namespace {

// Room for libtorch's one-line error message.
constexpr std::size_t kLoaderMessageBytes = 512;
constexpr const char* kPathVariable = "SOFTCHECK_TORCH_MODULE";

// The module's dlopen handle. RTLD_NODELETE: libtorch is never unmapped (its static
// destructors are not made to run early); dlclose then only drops the reference.
class ModuleHandle {
 public:
  explicit ModuleHandle(const std::string& path)
      : handle_(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) {
    if (handle_ == nullptr) throw KernelFailure("torch: cannot load " + path + ": " + dlerror());
  }
  ~ModuleHandle() { dlclose(handle_); }
  ModuleHandle(const ModuleHandle&) = delete;
  ModuleHandle& operator=(const ModuleHandle&) = delete;

  void* symbol(const char* name, const std::string& path) const {
    void* address = dlsym(handle_, name);
    if (address == nullptr)
      throw KernelFailure("torch: " + path + " has no symbol " + name + " (not a softcheck module)");
    return address;
  }

 private:
  void* handle_;
};

class Module {
 public:
  explicit Module(const std::string& path) : handle_(path) {
    const auto version = reinterpret_cast<AbiVersionFn>(handle_.symbol(kAbiVersionSymbol, path));
    if (version() != kAbiVersion)
      throw KernelFailure("torch: " + path + " has interface version " +
                          std::to_string(version()) + ", softcheck needs " +
                          std::to_string(kAbiVersion) + " (rebuild it)");
    run_ = reinterpret_cast<RunFn>(handle_.symbol(kRunSymbol, path));
    run_masked_softmax_ =
        reinterpret_cast<RunMaskedSoftmaxFn>(handle_.symbol(kRunMaskedSoftmaxSymbol, path));
    run_attention_ = reinterpret_cast<RunAttentionFn>(handle_.symbol(kRunAttentionSymbol, path));
  }
  RunFn run() const { return run_; }
  RunMaskedSoftmaxFn run_masked_softmax() const { return run_masked_softmax_; }
  RunAttentionFn run_attention() const { return run_attention_; }

 private:
  ModuleHandle handle_;
  RunFn run_ = nullptr;
  RunMaskedSoftmaxFn run_masked_softmax_ = nullptr;
  RunAttentionFn run_attention_ = nullptr;
};

std::vector<std::string> candidate_paths() {
  const char* chosen = std::getenv(kPathVariable);
  if (chosen != nullptr && *chosen != '\0') return {chosen};
  std::vector<std::string> paths;
  std::error_code error;
  const auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error)
    paths.push_back((executable.parent_path() / SOFTCHECK_TORCH_MODULE_FROM_BINDIR).string());
  paths.push_back(SOFTCHECK_TORCH_MODULE_BUILD_PATH);
  return paths;
}

std::string find_module() {
  const std::vector<std::string> paths = candidate_paths();
  for (const std::string& path : paths) {
    std::error_code error;
    if (std::filesystem::exists(path, error)) return path;
  }
  std::string tried;
  for (const std::string& path : paths) tried += (tried.empty() ? "" : ", ") + path;
  throw KernelFailure("torch: module libsoftcheck_torch.so not found (tried " + tried +
                      "; set " + kPathVariable + ")");
}

// Opened on first use; a failure is thrown again on the next call, which retries.
const Module& module() {
  static const Module loaded(find_module());
  return loaded;
}

}  // namespace

void load_module() { module(); }

KernelFn make_kernel(Op op, Format format) {
  return [op, format](const KernelCall& call) {
    char message[kLoaderMessageBytes] = {};
    const int status = module().run()(static_cast<int>(op.index()), static_cast<int>(format), &call,
                                      message, sizeof message);
    if (status != kRunOk) throw KernelFailure(message);
  };
}

KernelFn make_masked_softmax_kernel(Format format) {
  return [format](const KernelCall& call) {
    char message[kLoaderMessageBytes] = {};
    const int status =
        module().run_masked_softmax()(static_cast<int>(format), &call, message, sizeof message);
    if (status != kRunOk) throw KernelFailure(message);
  };
}

AttentionFn make_attention_kernel(AttentionAlgorithm algorithm, Format format) {
  return [algorithm, format](const AttentionCall& call) {
    char message[kLoaderMessageBytes] = {};
    const int status = module().run_attention()(static_cast<int>(algorithm),
                                                static_cast<int>(format), &call, message,
                                                sizeof message);
    if (status != kRunOk) throw KernelFailure(message);
  };
}

}  // namespace softcheck::adapters::torch_adapter
