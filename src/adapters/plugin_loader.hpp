// Loading a plugin: a shared library that exports softcheck_plugin_entry()
// (include/softcheck/plugin.h). Its kernels are registered as
// plugin:<name>/<op>/<format>/<algorithm> with provider "plugin:<name>", each wrapped in
// isolate() so a crash, exit or hang is a reported failure, not the end of the run. Attention
// kernels (the optional softcheck_attention_kernels()) are registered in the AttentionRegistry
// as plugin:<name>/attention/<format>/<algorithm>, each wrapped in isolate_attention().
#pragma once

#include <string>

#include "adapters/isolation.hpp"
#include "adapters/plugin_error.hpp"
#include "kernels/attention_kernel.hpp"
#include "kernels/kernel.hpp"

namespace softcheck {

// Loads the library at `path` and registers all its kernels, or none: throws PluginError
// (one line naming the file and the problem) when the file is missing, dlopen fails, the
// entry point is missing, the ABI version differs, an entry is malformed, or a kernel of
// that name is already registered. The library stays loaded for the life of the process.
void load_plugin(const std::string& path, Registry& registry, AttentionRegistry& attention,
                 IsolationOptions isolation = {});
// The same, with the attention kernels registered in AttentionRegistry::instance().
void load_plugin(const std::string& path, Registry& registry, IsolationOptions isolation = {});

}  // namespace softcheck
