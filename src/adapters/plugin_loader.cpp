// load_plugin(): dlopen, look up the entry point, validate the table, register the kernels.
#include "adapters/plugin_loader.hpp"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
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

[[noreturn]] void reject(const std::string& path, const std::string& problem) {
  throw PluginError("plugin '" + path + "': " + problem);
}

std::string last_dl_error() {
  const char* message = ::dlerror();
  return message ? message : "unknown dynamic loader error";
}

LibraryHandle open_library(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) reject(path, std::strerror(errno));
  if (!S_ISREG(info.st_mode)) reject(path, "not a regular file");
  // Without a slash dlopen would search the library path instead of opening this file.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  ::dlerror();
  LibraryHandle library(::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!library) reject(path, "cannot load: " + last_dl_error());
  return library;
}

softcheck_plugin_entry_fn find_entry(void* library, const std::string& path) {
  ::dlerror();
  void* symbol = ::dlsym(library, SOFTCHECK_PLUGIN_ENTRY_SYMBOL);
  if (!symbol)
    reject(path, std::string("no symbol ") + SOFTCHECK_PLUGIN_ENTRY_SYMBOL +
                     " (not a softcheck plugin, or the function is not exported)");
  softcheck_plugin_entry_fn entry;
  static_assert(sizeof entry == sizeof symbol);
  std::memcpy(&entry, &symbol, sizeof entry);  // object pointer to function pointer (POSIX)
  return entry;
}

KernelFn call_through_abi(softcheck_kernel_fn run) {
  return [run](const KernelCall& call) {
    run(call.x, call.out, call.loss, call.target, call.rows, call.n, call.stride);
  };
}

}  // namespace

void load_plugin(const std::string& path, Registry& registry, IsolationOptions isolation) {
  LibraryHandle library = open_library(path);
  const PluginTable table = read_plugin_table(find_entry(library.get(), path)(), path);

  const std::string provider = "plugin:" + table.name;
  std::vector<Kernel> kernels;
  for (const PluginKernel& k : table.kernels) {
    Kernel kernel{k.op, k.format, k.algorithm, provider,
                  isolate(call_through_abi(k.run), k.op, k.format, isolation)};
    for (const Kernel& existing : registry.all())
      if (existing.name() == kernel.name())
        reject(path, "kernel " + kernel.name() + " is already registered (plugin loaded twice?)");
    kernels.push_back(std::move(kernel));
  }
  for (Kernel& kernel : kernels) registry.add(std::move(kernel));
  keep_loaded(std::move(library));
}

}  // namespace softcheck
