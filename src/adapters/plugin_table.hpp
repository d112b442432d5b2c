// Reading a plugin's C description (include/softcheck/plugin.h) into checked C++ values:
// the ABI version, the plugin name and every kernel entry are validated before anything is
// registered, so a plugin is either loaded whole or not at all.
#pragma once

#include <string>
#include <vector>

#include "kernels/attention_kernel.hpp"
#include "kernels/kernel.hpp"
#include "softcheck/plugin.h"

namespace softcheck {

// A row kernel of either table: `run` (softcheck_plugin's table: ops on the logits and the
// target) or `run_inputs` (softcheck_input_kernels: ops with inputs beyond them).
struct PluginKernel {
  Op op;
  Format format;
  std::string algorithm;
  softcheck_kernel_fn run = nullptr;
  softcheck_input_kernel_fn run_inputs = nullptr;
};

// Whether `op` is provided through softcheck_input_kernels: it takes a per-element input
// besides the logits.
bool takes_other_inputs(Op op);

// One attention kernel of the optional table (softcheck_attention_kernels in plugin.h).
struct PluginAttentionKernel {
  AttentionFormats formats;
  std::string algorithm;
  bool provides_lse = false;
  MaskedRowOutput masked_row = MaskedRowOutput::nan;
  double masked_row_lse = 0.0;
  softcheck_attention_fn run = nullptr;
};

struct PluginTable {
  std::string name;  // the provider is "plugin:" + name
  std::vector<PluginKernel> kernels;
  std::vector<PluginAttentionKernel> attention;
};

// Throws PluginError("plugin 'PATH': ...") for a null description, another ABI version, a
// bad name, an empty or null table, an unknown op or format, a null or duplicate entry.
// `attention` is what softcheck_attention_kernels() returned, or null when the plugin does
// not export it; a plugin with attention kernels may have no row kernels.
// `inputs` likewise for softcheck_input_kernels().
PluginTable read_plugin_table(const softcheck_plugin* plugin, const std::string& path,
                              const softcheck_attention_table* attention = nullptr,
                              const softcheck_input_kernel_table* inputs = nullptr);

}  // namespace softcheck
