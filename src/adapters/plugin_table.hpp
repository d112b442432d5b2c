// Reading a plugin's C description (include/softcheck/plugin.h) into checked C++ values:
// the ABI version, the plugin name and every kernel entry are validated before anything is
// registered, so a plugin is either loaded whole or not at all.
#pragma once

#include <string>
#include <vector>

#include "kernels/kernel.hpp"
#include "softcheck/plugin.h"

namespace softcheck {

struct PluginKernel {
  Op op;
  Format format;
  std::string algorithm;
  softcheck_kernel_fn run;
};

struct PluginTable {
  std::string name;  // the provider is "plugin:" + name
  std::vector<PluginKernel> kernels;
};

// Throws PluginError("plugin 'PATH': ...") for a null description, another ABI version, a
// bad name, an empty or null table, an unknown op or format, a null or duplicate entry.
PluginTable read_plugin_table(const softcheck_plugin* plugin, const std::string& path);

}  // namespace softcheck
