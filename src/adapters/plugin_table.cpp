// Validation of a plugin's kernel table (see plugin_table.hpp and include/softcheck/plugin.h).
#include "adapters/plugin_table.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "adapters/plugin_error.hpp"

namespace softcheck {
namespace {

constexpr std::size_t kMaxNameLength = 64;                 // plugin and algorithm names (plugin.h)
constexpr std::string_view kNameCharacters = "_.-";        // besides letters and digits
constexpr std::string_view kAlgorithmCharacters = "_.+-";  // besides letters and digits

// The ABI's format numbers (plugin.h); its op numbers are the op table's plugin_code.
constexpr std::pair<std::uint32_t, Format> kFormats[] = {{SOFTCHECK_FORMAT_F64, Format::f64},
                                                         {SOFTCHECK_FORMAT_F32, Format::f32},
                                                         {SOFTCHECK_FORMAT_BF16, Format::bf16},
                                                         {SOFTCHECK_FORMAT_F16, Format::f16}};

bool is_alphanumeric(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Empty when `text` is a valid name, otherwise what is wrong with it.
std::string name_problem(const char* text, std::string_view extra_characters) {
  if (!text) return "is null";
  const std::size_t length = strnlen(text, kMaxNameLength + 1);
  if (length == 0) return "is empty";
  if (length > kMaxNameLength)
    return "is longer than " + std::to_string(kMaxNameLength) + " characters";
  for (std::size_t i = 0; i < length; ++i)
    if (!is_alphanumeric(text[i]) && extra_characters.find(text[i]) == std::string_view::npos) {
      std::string problem = "'";  // appended piece by piece: GCC 12 misreports + (-Wrestrict)
      problem.append(text).append("' has a character outside [A-Za-z0-9");
      problem.append(extra_characters).append("]");
      return problem;
    }
  return {};
}

template <class Value, std::size_t N>
const Value* lookup(const std::pair<std::uint32_t, Value> (&table)[N], std::uint32_t number) {
  for (const auto& [key, value] : table)
    if (key == number) return &value;
  return nullptr;
}

// The op whose plugin ABI number (OpSpec::plugin_code, SOFTCHECK_OP_* in plugin.h) is `code`.
std::optional<Op> plugin_op(std::uint32_t code) {
  for (Op op : all_ops())
    if (op.spec().plugin_code >= 0 && static_cast<std::uint32_t>(op.spec().plugin_code) == code)
      return op;
  return std::nullopt;
}

// "0-6": the range of the ABI's op numbers (contiguous from 0 in plugin.h).
std::string plugin_op_codes() {
  int highest = -1;
  for (Op op : all_ops()) highest = std::max(highest, op.spec().plugin_code);
  return "0-" + std::to_string(highest);
}

// The op, format and algorithm of an entry of either table (`where` names the entry);
// `other_inputs`: the table is softcheck_input_kernels.
template <class Entry>
PluginKernel read_kernel_fields(const Entry& entry, bool other_inputs, const std::string& where,
                                const std::string& path) {
  const std::optional<Op> op = plugin_op(entry.op);
  if (!op) reject_plugin(path, where + "unknown op " + std::to_string(entry.op) + " (expected " +
                            plugin_op_codes() + ")");
  if (takes_other_inputs(*op) != other_inputs)
    reject_plugin(path, where + "op " + std::to_string(entry.op) + " (" + std::string(name(*op)) + ") " +
                     (other_inputs ? "takes only the logits: list it in softcheck_plugin_entry()'s table"
                                   : "takes inputs beyond the logits: list it in " +
                                         std::string(SOFTCHECK_INPUT_KERNELS_SYMBOL) + "()"));
  const Format* format = lookup(kFormats, entry.format);
  if (!format)
    reject_plugin(path, where + "unknown format " + std::to_string(entry.format) + " (expected 0-3)");
  if (const std::string problem = name_problem(entry.algorithm, kAlgorithmCharacters);
      !problem.empty())
    reject_plugin(path, where + "algorithm name " + problem);
  if (!entry.run) reject_plugin(path, where + "run is null");
  return {*op, *format, entry.algorithm};
}

PluginKernel read_entry(const softcheck_kernel_entry& entry, std::size_t index,
                        const std::string& path) {
  PluginKernel kernel =
      read_kernel_fields(entry, false, "kernel " + std::to_string(index) + ": ", path);
  kernel.run = entry.run;
  return kernel;
}

PluginKernel read_input_entry(const softcheck_input_kernel_entry& entry, std::size_t index,
                              const std::string& path) {
  PluginKernel kernel =
      read_kernel_fields(entry, true, "input kernel " + std::to_string(index) + ": ", path);
  kernel.run_inputs = entry.run;
  return kernel;
}

const softcheck_input_kernel_entry* input_entries(const softcheck_input_kernel_table* table,
                                                  const std::string& path) {
  if (table->version != SOFTCHECK_INPUT_KERNELS_VERSION)
    reject_plugin(path, "input kernel table version " + std::to_string(table->version) +
                     ", this softcheck supports version " +
                     std::to_string(SOFTCHECK_INPUT_KERNELS_VERSION));
  if (table->kernel_count == 0 || !table->kernels) reject_plugin(path, "declares no input kernels");
  return table->kernels;
}

// The attention table's numbers (plugin.h).
constexpr std::pair<std::uint32_t, PFormat> kPFormats[] = {{SOFTCHECK_P_NONE, PFormat::none},
                                                           {SOFTCHECK_P_BF16, PFormat::bf16},
                                                           {SOFTCHECK_P_F16, PFormat::f16},
                                                           {SOFTCHECK_P_E4M3, PFormat::e4m3},
                                                           {SOFTCHECK_P_E5M2, PFormat::e5m2}};
constexpr std::pair<std::uint32_t, MaskedRowOutput> kMaskedRows[] = {
    {SOFTCHECK_MASKED_ROW_NAN, MaskedRowOutput::nan},
    {SOFTCHECK_MASKED_ROW_ZERO, MaskedRowOutput::zero},
    {SOFTCHECK_MASKED_ROW_UNIFORM, MaskedRowOutput::uniform}};
constexpr std::pair<std::uint32_t, double> kMaskedRowLse[] = {
    {SOFTCHECK_MASKED_LSE_NEG_INF, -HUGE_VAL},
    {SOFTCHECK_MASKED_LSE_POS_INF, HUGE_VAL},
    {SOFTCHECK_MASKED_LSE_NAN, NAN}};

template <class Value, std::size_t N>
Value attention_field(const std::pair<std::uint32_t, Value> (&table)[N], std::uint32_t number,
                      const char* field, const std::string& where, const std::string& path) {
  const Value* value = lookup(table, number);
  if (!value)
    reject_plugin(path, where + "unknown " + field + " " + std::to_string(number) + " (expected 0-" +
                     std::to_string(N - 1) + ")");
  return *value;
}

PluginAttentionKernel read_attention_entry(const softcheck_attention_entry& entry,
                                           std::size_t index, const std::string& path) {
  const std::string where = "attention kernel " + std::to_string(index) + ": ";
  PluginAttentionKernel kernel;
  kernel.formats.storage = attention_field(kFormats, entry.format, "format", where, path);
  if (entry.accumulation != SOFTCHECK_FORMAT_F32 && entry.accumulation != SOFTCHECK_FORMAT_F64)
    reject_plugin(path, where + "accumulation " + std::to_string(entry.accumulation) +
                     " is not f32 (1) or f64 (0)");
  kernel.formats.accumulation = *lookup(kFormats, entry.accumulation);
  kernel.formats.p = attention_field(kPFormats, entry.p_format, "p_format", where, path);
  if (entry.provides_lse > 1)
    reject_plugin(path, where + "provides_lse " + std::to_string(entry.provides_lse) + " is not 0 or 1");
  kernel.provides_lse = entry.provides_lse == 1;
  kernel.masked_row = attention_field(kMaskedRows, entry.masked_row, "masked_row", where, path);
  kernel.masked_row_lse =
      attention_field(kMaskedRowLse, entry.masked_row_lse, "masked_row_lse", where, path);
  if (const std::string problem = name_problem(entry.algorithm, kAlgorithmCharacters);
      !problem.empty())
    reject_plugin(path, where + "algorithm name " + problem);
  kernel.algorithm = entry.algorithm;
  if (!entry.run) reject_plugin(path, where + "run is null");
  kernel.run = entry.run;
  return kernel;
}

std::vector<PluginAttentionKernel> read_attention_table(const softcheck_attention_table* table,
                                                        const std::string& path) {
  if (!table) reject_plugin(path, std::string(SOFTCHECK_ATTENTION_KERNELS_SYMBOL) + "() returned null");
  if (table->version != SOFTCHECK_ATTENTION_VERSION)
    reject_plugin(path, "attention table version " + std::to_string(table->version) +
                     ", this softcheck supports version " +
                     std::to_string(SOFTCHECK_ATTENTION_VERSION));
  if (table->kernel_count == 0 || !table->kernels) reject_plugin(path, "declares no attention kernels");
  std::vector<PluginAttentionKernel> kernels;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < table->kernel_count; ++i) {
    PluginAttentionKernel kernel = read_attention_entry(table->kernels[i], i, path);
    const std::string key = std::string(name(kernel.formats.storage)) + "/" + kernel.algorithm;
    if (!seen.insert(key).second)
      reject_plugin(path, "attention kernel " + std::to_string(i) + ": " + key + " declared twice");
    kernels.push_back(std::move(kernel));
  }
  return kernels;
}

}  // namespace

bool takes_other_inputs(Op op) {
  for (Input input : op.spec().inputs)
    if (input != Input::logits && input != Input::target) return true;
  return false;
}

PluginTable read_plugin_table(const softcheck_plugin* plugin, const std::string& path,
                              const softcheck_attention_table* attention,
                              const softcheck_input_kernel_table* inputs) {
  if (!plugin) reject_plugin(path, std::string(SOFTCHECK_PLUGIN_ENTRY_SYMBOL) + "() returned null");
  if (plugin->abi_version != SOFTCHECK_PLUGIN_ABI_VERSION)
    reject_plugin(path, "built for plugin ABI version " + std::to_string(plugin->abi_version) +
                     ", this softcheck supports version " +
                     std::to_string(SOFTCHECK_PLUGIN_ABI_VERSION));
  if (const std::string problem = name_problem(plugin->name, kNameCharacters); !problem.empty())
    reject_plugin(path, "plugin name " + problem);
  if ((plugin->kernel_count == 0 && !attention && !inputs) ||
      (plugin->kernel_count > 0 && !plugin->kernels))
    reject_plugin(path, "declares no kernels");

  PluginTable table{plugin->name, {}, {}};
  if (attention) table.attention = read_attention_table(attention, path);
  std::set<std::string> seen;
  const auto add = [&](PluginKernel kernel, const std::string& where) {
    const std::string key = std::string(name(kernel.op)) + "/" + std::string(name(kernel.format)) +
                            "/" + kernel.algorithm;
    if (!seen.insert(key).second) reject_plugin(path, where + key + " declared twice");
    table.kernels.push_back(std::move(kernel));
  };
  for (std::size_t i = 0; i < plugin->kernel_count; ++i)
    add(read_entry(plugin->kernels[i], i, path), "kernel " + std::to_string(i) + ": ");
  if (inputs) {
    const softcheck_input_kernel_entry* entries = input_entries(inputs, path);
    for (std::size_t i = 0; i < inputs->kernel_count; ++i)
      add(read_input_entry(entries[i], i, path), "input kernel " + std::to_string(i) + ": ");
  }
  return table;
}

}  // namespace softcheck
