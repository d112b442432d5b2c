// Fuzz target: a plugin's C description (adapters/plugin_table.hpp, read_plugin_table): the
// ABI version, the plugin name and every entry of the row, attention and input kernel tables,
// drawn from the input. Every description is registered whole or refused with a PluginError.
// Counts always match the arrays (the ABI trusts them, as C does); names may be null, empty,
// long or hold any byte, and numbers may be anything.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "adapters/plugin_error.hpp"
#include "adapters/plugin_table.hpp"
#include "byte_reader.hpp"

namespace {

void row_kernel(const void*, void*, void*, const int64_t*, size_t, size_t, size_t) {}
void input_kernel(const void* const*, void*, size_t, size_t, size_t) {}
int attention_kernel(const softcheck_attention_call*, char*, size_t) { return 0; }

// A number that is usually small (a valid op, format or flag) and sometimes anything.
std::uint32_t number(ByteReader& in, std::uint32_t usual_max) {
  return in.flag() ? static_cast<std::uint32_t>(in.below_or(usual_max)) : in.u32();
}

// Keeps every string alive (and its c_str() stable) for the call.
struct Strings {
  std::deque<std::string> kept;
  const char* next(ByteReader& in) {
    if (in.below_or(15) == 0) return nullptr;
    return kept.emplace_back(in.text(80)).c_str();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteReader in(data, size);
  Strings strings;
  std::vector<softcheck_kernel_entry> rows(in.below_or(6));
  for (softcheck_kernel_entry& e : rows)
    e = {number(in, 9), number(in, 4), strings.next(in), in.flag() ? row_kernel : nullptr};
  std::vector<softcheck_attention_entry> attention(in.below_or(4));
  for (softcheck_attention_entry& e : attention)
    e = {number(in, 4), number(in, 2), number(in, 5), number(in, 2), number(in, 3), number(in, 3),
         strings.next(in), in.flag() ? attention_kernel : nullptr};
  std::vector<softcheck_input_kernel_entry> inputs(in.below_or(4));
  for (softcheck_input_kernel_entry& e : inputs)
    e = {number(in, 9), number(in, 4), strings.next(in), in.flag() ? input_kernel : nullptr};

  const softcheck_plugin plugin = {in.flag() ? SOFTCHECK_PLUGIN_ABI_VERSION : number(in, 3),
                                   strings.next(in), rows.size(),
                                   rows.empty() && in.flag() ? nullptr : rows.data()};
  const softcheck_attention_table attention_table = {
      in.flag() ? SOFTCHECK_ATTENTION_VERSION : number(in, 3), attention.size(),
      attention.empty() ? nullptr : attention.data()};
  const softcheck_input_kernel_table input_table = {
      in.flag() ? SOFTCHECK_INPUT_KERNELS_VERSION : number(in, 3), inputs.size(),
      inputs.empty() ? nullptr : inputs.data()};
  try {
    const softcheck::PluginTable table = softcheck::read_plugin_table(
        &plugin, "fuzz.so", in.flag() ? &attention_table : nullptr,
        in.flag() ? &input_table : nullptr);
    (void)table;
  } catch (const softcheck::PluginError&) {
  }
  return 0;
}
