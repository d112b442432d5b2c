// load_plugin(): dlopen, look up the entry point, validate the table, register the kernels.
#include "adapters/plugin_loader.hpp"

#include <dlfcn.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "adapters/plugin_table.hpp"

namespace softcheck {
namespace {

struct DlClose {
  void operator()(void* handle) const { ::dlclose(handle); }
};
using LibraryHandle = std::unique_ptr<void, DlClose>;

// Libraries whose kernels are registered: never closed, since the Registry (and the worker
// processes forked from this one) call into their code until the process exits.
void keep_loaded(LibraryHandle library) {
  static std::mutex mutex;
  static std::vector<void*> loaded;
  std::lock_guard lock(mutex);
  loaded.push_back(library.release());
}

std::string last_dl_error() {
  const char* message = ::dlerror();
  return message ? message : "unknown dynamic loader error";
}

LibraryHandle open_library(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) reject_plugin(path, std::strerror(errno));
  if (!S_ISREG(info.st_mode)) reject_plugin(path, "not a regular file");
  // Without a slash dlopen would search the library path instead of opening this file.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  ::dlerror();
  LibraryHandle library(::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!library) reject_plugin(path, "cannot load: " + last_dl_error());
  return library;
}

// The function `name` exports, or null.
template <class Function>
Function find_function(void* library, const char* name) {
  ::dlerror();
  void* symbol = ::dlsym(library, name);
  Function function = nullptr;
  static_assert(sizeof function == sizeof symbol);
  if (symbol)
    std::memcpy(&function, &symbol, sizeof function);  // object to function pointer (POSIX)
  return function;
}

softcheck_plugin_entry_fn find_entry(void* library, const std::string& path) {
  const auto entry =
      find_function<softcheck_plugin_entry_fn>(library, SOFTCHECK_PLUGIN_ENTRY_SYMBOL);
  if (!entry)
    reject_plugin(path, std::string("no symbol ") + SOFTCHECK_PLUGIN_ENTRY_SYMBOL +
                     " (not a softcheck plugin, or the function is not exported)");
  return entry;
}

// The attention table, or null when the plugin does not export softcheck_attention_kernels.
// Called only after softcheck_plugin_entry(), as plugin.h promises.
const softcheck_attention_table* find_attention_table(void* library, const std::string& path) {
  const auto list =
      find_function<softcheck_attention_kernels_fn>(library, SOFTCHECK_ATTENTION_KERNELS_SYMBOL);
  if (!list) return nullptr;
  const softcheck_attention_table* table = list();
  if (!table) reject_plugin(path, std::string(SOFTCHECK_ATTENTION_KERNELS_SYMBOL) + "() returned null");
  return table;
}

// The input kernel table, or null when the plugin does not export softcheck_input_kernels.
const softcheck_input_kernel_table* find_input_table(void* library, const std::string& path) {
  const auto list =
      find_function<softcheck_input_kernels_fn>(library, SOFTCHECK_INPUT_KERNELS_SYMBOL);
  if (!list) return nullptr;
  const softcheck_input_kernel_table* table = list();
  if (!table) reject_plugin(path, std::string(SOFTCHECK_INPUT_KERNELS_SYMBOL) + "() returned null");
  return table;
}

KernelFn call_through_abi(const PluginKernel& k) {
  if (k.run_inputs) {  // the op's inputs in the op table's order (plugin.h)
    return [run = k.run_inputs, inputs = k.op.spec().inputs](const KernelCall& call) {
      std::array<const void*, kInputKinds> pointers{};
      for (std::size_t i = 0; i < inputs.size(); ++i) pointers[i] = call.input(inputs[i]);
      run(pointers.data(), call.out, call.rows, call.n, call.stride);
    };
  }
  return [run = k.run](const KernelCall& call) {
    run(call.x, call.out, call.loss, call.target, call.rows, call.n, call.stride);
  };
}

constexpr std::size_t kAttentionMessageBytes = 512;  // for an attention kernel's error message

AttentionFn call_through_abi(softcheck_attention_fn run) {
  return [run](const AttentionCall& call) {
    const softcheck_attention_call c{call.shape.lq, call.shape.lk, call.shape.d, call.q,
                                     call.k,        call.v,        call.keep,    call.bias,
                                     call.scale,    call.softcap,  call.out,     call.lse};
    char message[kAttentionMessageBytes] = {};
    const int status = run(&c, message, sizeof message);
    message[sizeof message - 1] = '\0';
    if (status != 0)
      throw std::runtime_error("returned " + std::to_string(status) +
                               (message[0] ? std::string(": ") + message : std::string()));
  };
}

AttentionKernel attention_kernel(const PluginAttentionKernel& k, const std::string& provider,
                                 IsolationOptions isolation) {
  AttentionKernel kernel;
  kernel.formats = k.formats;
  kernel.algorithm = k.algorithm;
  kernel.provider = provider;
  kernel.run = isolate_attention(call_through_abi(k.run), k.formats.storage, isolation);
  kernel.provides_lse = k.provides_lse;
  kernel.declared.masked_row = k.masked_row;
  kernel.declared.masked_row_lse = k.masked_row_lse;
  return kernel;
}

}  // namespace

void load_plugin(const std::string& path, Registry& registry, IsolationOptions isolation) {
  load_plugin(path, registry, AttentionRegistry::instance(), isolation);
}

void load_plugin(const std::string& path, Registry& registry, AttentionRegistry& attention,
                 IsolationOptions isolation) {
  LibraryHandle library = open_library(path);
  const softcheck_plugin* plugin = find_entry(library.get(), path)();
  const PluginTable table =
      read_plugin_table(plugin, path, find_attention_table(library.get(), path),
                        find_input_table(library.get(), path));

  const std::string provider = "plugin:" + table.name;
  std::vector<Kernel> kernels;
  for (const PluginKernel& k : table.kernels) {
    Kernel kernel{k.op, k.format, k.algorithm, provider,
                  isolate(call_through_abi(k), k.op, k.format, isolation)};
    for (const Kernel& existing : registry.all())
      if (existing.name() == kernel.name())
        reject_plugin(path, "kernel " + kernel.name() + " is already registered (plugin loaded twice?)");
    kernels.push_back(std::move(kernel));
  }
  std::vector<AttentionKernel> attention_kernels;
  for (const PluginAttentionKernel& k : table.attention) {
    AttentionKernel kernel = attention_kernel(k, provider, isolation);
    for (const AttentionKernel& existing : attention.all())
      if (existing.name() == kernel.name())
        reject_plugin(path, "kernel " + kernel.name() + " is already registered (plugin loaded twice?)");
    attention_kernels.push_back(std::move(kernel));
  }
  for (Kernel& kernel : kernels) registry.add(std::move(kernel));
  for (AttentionKernel& kernel : attention_kernels) attention.add(std::move(kernel));
  keep_loaded(std::move(library));
}

}  // namespace softcheck
