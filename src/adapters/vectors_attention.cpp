// Attention cases in vector files (see vectors_attention.hpp). The cases come from
// family.generate(format, suite, family_seed(seed, family.name)), exactly as the attention
// gate draws them, and their input bytes are those of the gate's own AttentionBuffers, so the
// hash of a kernel call finds the stored case.
#include "adapters/vectors_attention.hpp"

#include <cstring>
#include <map>
#include <set>

#include "adapters/vectors_error.hpp"
#include "adapters/vectors_hash.hpp"
#include "adapters/vectors_npy.hpp"
#include "core/attention_families.hpp"

namespace softcheck::vectors {
namespace {

namespace fs = std::filesystem;

std::string stem(const std::string& family, std::size_t index) {
  return family + "-b" + std::to_string(index);
}

// One stored input of a case: its manifest key, path, .npy dtype, shape and expected bytes.
struct InputFile {
  const char* key;
  const std::string* path;
  std::string_view descr;
  std::vector<std::size_t> shape;
  std::span<const std::byte> bytes;
};

std::vector<InputFile> input_files(const VectorAttention& a, Format format,
                                   const AttentionInputBytes& bytes) {
  const std::string_view storage = npy_dtype(format);
  const AttentionShape& s = a.shape;
  std::vector<InputFile> files{{"q", &a.q, storage, {s.lq, s.d}, bytes.q},
                               {"k", &a.k, storage, {s.lk, s.d}, bytes.k},
                               {"v", &a.v, storage, {s.lk, s.d}, bytes.v}};
  if (a.mask.additive)
    files.push_back({"bias", &a.bias, storage, {s.lq, s.lk}, bytes.bias});
  else
    files.push_back({"keep", &a.keep, kKeepDtype, {s.lq, s.lk}, bytes.keep});
  return files;
}

VectorCase manifest_case(const AttentionCase& c, Format format, const std::string& family,
                         std::size_t index) {
  const std::string dtype(name(format));
  const std::string base = "attention/" + dtype + "/" + stem(family, index);
  VectorCase v;
  v.id = "attention/" + dtype + "/" + family + "/" + std::to_string(index);
  v.op = Op::attention;
  v.format = format;
  v.family = family;
  v.batch = index;
  v.output = "outputs/" + base + ".npy";
  VectorAttention a;
  a.shape = c.shape;
  a.scale = c.scale();
  a.softcap = c.parameters.softcap;
  a.mask = c.mask;
  a.q = "inputs/" + base + ".q.npy";
  a.k = "inputs/" + base + ".k.npy";
  a.v = "inputs/" + base + ".v.npy";
  (c.mask.additive ? a.bias : a.keep) =
      "inputs/" + base + (c.mask.additive ? ".bias.npy" : ".keep.npy");
  a.lse = "outputs/" + base + ".lse.npy";
  v.attention = std::move(a);
  return v;
}

std::string mask_text(const AttentionMask& m) {
  return std::string(name(m.kind)) + " (query_offset " + std::to_string(m.query_offset) +
         ", window " + std::to_string(m.window) + ", valid_keys " + std::to_string(m.valid_keys) +
         ", additive " + (m.additive ? "true" : "false") + ", sentinel " + hex_text(m.sentinel) +
         ")";
}

bool same_mask(const AttentionMask& a, const AttentionMask& b) {
  return a.kind == b.kind && a.query_offset == b.query_offset && a.window == b.window &&
         a.valid_keys == b.valid_keys && a.additive == b.additive &&
         (a.sentinel == b.sentinel || (a.sentinel != a.sentinel && b.sentinel != b.sentinel));
}

class AttentionVerifier {
 public:
  AttentionVerifier(const fs::path& dir, const Manifest& manifest)
      : dir_(dir), manifest_(manifest) {}

  void verify_all() {
    std::map<std::pair<Format, std::string>, std::vector<const VectorCase*>> by_family;
    for (const VectorCase& c : manifest_.cases)
      if (c.attention) by_family[{c.format, c.family}].push_back(&c);
    for (const auto& [key, cases] : by_family) {
      const AttentionFamily& family = *find_attention_family(key.second);
      if (static_cast<int>(family.first_suite) > static_cast<int>(manifest_.suite))
        manifest_mismatch(*cases.front(), "family " + family.name + " is not run by the " +
                                              std::string(name(manifest_.suite)) + " suite");
      const std::vector<AttentionCase> generated =
          family.generate(key.first, manifest_.suite, family_seed(manifest_.seed, family.name));
      for (const VectorCase* c : cases) verify(*c, generated);
    }
  }

 private:
  std::string suite_text() const {
    return "suite " + std::string(name(manifest_.suite)) + ", seed " +
           std::to_string(manifest_.seed);
  }
  [[noreturn]] void manifest_mismatch(const VectorCase& c, const std::string& detail) const {
    fail_vectors((dir_ / kManifestFile).string() + ": case '" + c.id + "' does not match the suite (" +
         suite_text() + "): " + detail);
  }

  void verify_description(const VectorCase& c, const AttentionCase& g) const {
    const VectorAttention& a = *c.attention;
    const auto shape_text = [](const AttentionShape& s) {
      return std::to_string(s.lq) + " x " + std::to_string(s.lk) + " x " + std::to_string(s.d);
    };
    if (a.shape.lq != g.shape.lq || a.shape.lk != g.shape.lk || a.shape.d != g.shape.d)
      manifest_mismatch(
          c, "Lq x Lk x d is " + shape_text(g.shape) + ", the case says " + shape_text(a.shape));
    if (a.scale != g.scale())
      manifest_mismatch(c,
                        "scale is " + hex_text(g.scale()) + ", the case says " + hex_text(a.scale));
    if (a.softcap != g.parameters.softcap)
      manifest_mismatch(c, "softcap is " + hex_text(g.parameters.softcap) + ", the case says " +
                               hex_text(a.softcap));
    if (!same_mask(a.mask, g.mask))
      manifest_mismatch(c, "mask is " + mask_text(g.mask) + ", the case says " + mask_text(a.mask));
  }

  void verify(const VectorCase& c, const std::vector<AttentionCase>& generated) {
    if (c.batch >= generated.size())
      manifest_mismatch(c, "family " + c.family + " has " + std::to_string(generated.size()) + " " +
                               std::string(name(c.format)) + " cases, the case names case " +
                               std::to_string(c.batch));
    const AttentionCase& g = generated[c.batch];
    verify_description(c, g);
    const AttentionBuffers buffers(g, false);
    const AttentionInputBytes bytes = attention_input_bytes(buffers.call(), c.format);
    for (const InputFile& file : input_files(*c.attention, c.format, bytes)) {
      if (verified_.contains(*file.path)) continue;
      const fs::path path = dir_ / *file.path;
      const NpyArray stored = read_npy(path, path.string());
      expect_npy(stored.header, path.string(), file.descr, file.shape,
                 std::string(name(c.format)) + " attention " + file.key);
      if (!std::equal(stored.data.begin(), stored.data.end(), file.bytes.begin(), file.bytes.end()))
        fail_vectors(std::string(file.key) + " file " + path.string() + " does not match the suite (" +
             suite_text() + "): " +
             first_difference(stored.data, file.bytes, file.shape.back(),
                              npy_item_size(file.descr)));
      verified_.insert(*file.path);
    }
    const std::string hash = hash_text(attention_hash(bytes));
    if (c.input_hash != hash)
      fail_vectors((dir_ / kManifestFile).string() + ": case '" + c.id + "': input_hash " + c.input_hash +
           " does not match the input files (" + hash + ")");
  }

  const fs::path& dir_;
  const Manifest& manifest_;
  std::set<std::string> verified_;
};

constexpr std::string_view kLseDtypes[] = {"<f4", "<f8"};

// The LSE file's header: (lq,) in '<f4' or '<f8'.
NpyHeader lse_header(const fs::path& dir, const VectorCase& c) {
  const fs::path path = dir / c.attention->lse;
  const NpyHeader header = read_npy_header(path, path.string());
  const std::string what = std::string(name(c.format)) + " attention lse";
  if (header.descr != kLseDtypes[0] && header.descr != kLseDtypes[1])
    fail_vectors(path.string() + ": dtype '" + header.descr + "', expected '<f4' or '<f8' (" + what + ")");
  expect_npy(header, path.string(), header.descr, {c.attention->shape.lq}, what);
  return header;
}

}  // namespace

AttentionInputBytes attention_input_bytes(const AttentionCall& call, Format format) {
  const std::size_t width = traits(format).storage_bytes;
  const AttentionShape& s = call.shape;
  const auto span = [](const void* data, std::size_t bytes) {
    return data ? std::span<const std::byte>(static_cast<const std::byte*>(data), bytes)
                : std::span<const std::byte>();
  };
  return {span(call.q, s.lq * s.d * width), span(call.k, s.lk * s.d * width),
          span(call.v, s.lk * s.d * width), span(call.keep, s.lq * s.lk),
          span(call.bias, s.lq * s.lk * width)};
}

std::uint64_t attention_hash(const AttentionInputBytes& bytes) {
  std::uint64_t hash = kFnvOffsetBasis;
  for (std::span<const std::byte> part : {bytes.q, bytes.k, bytes.v, bytes.keep, bytes.bias})
    hash = fnv1a64(part, hash);
  return hash;
}

std::vector<VectorCase> export_attention(const fs::path& dir, Format format, Suite suite,
                                         std::uint64_t seed) {
  std::vector<VectorCase> cases;
  for (const AttentionFamily* family : attention_families_in(suite)) {
    const std::vector<AttentionCase> generated =
        family->generate(format, suite, family_seed(seed, family->name));
    for (std::size_t i = 0; i < generated.size(); ++i) {
      VectorCase c = manifest_case(generated[i], format, family->name, i);
      const AttentionBuffers buffers(generated[i], false);
      const AttentionInputBytes bytes = attention_input_bytes(buffers.call(), format);
      for (const InputFile& file : input_files(*c.attention, format, bytes))
        write_npy_under(dir, *file.path, file.descr, file.shape, file.bytes);
      c.input_hash = hash_text(attention_hash(bytes));
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

std::vector<std::string> attention_paths(const VectorCase& c) {
  if (!c.attention) return {};
  const VectorAttention& a = *c.attention;
  return {a.q, a.k, a.v, a.keep, a.bias, a.lse, c.output};
}

void verify_attention_inputs(const fs::path& dir, const Manifest& manifest) {
  AttentionVerifier(dir, manifest).verify_all();
}

bool verify_attention_outputs(const fs::path& dir, const VectorCase& c) {
  const fs::path path = dir / c.output;
  std::error_code error;
  if (!fs::exists(path, error))
    fail_vectors("output file " + path.string() + " is missing (case '" + c.id +
         "': write it, or mark the case \"skipped\" with a reason)");
  expect_npy(read_npy_header(path, path.string()), path.string(), npy_dtype(c.format),
             c.output_shape(), std::string(name(c.format)) + " attention output");
  if (c.attention->lse.empty() || !fs::exists(dir / c.attention->lse, error)) return false;
  lse_header(dir, c);
  return true;
}

void copy_attention_outputs(const fs::path& dir, const VectorCase& c, const AttentionCall& call) {
  const std::string what = std::string(name(c.format)) + " attention output";
  const fs::path path = dir / c.output;
  const NpyArray out = read_npy(path, path.string());
  expect_npy(out.header, path.string(), npy_dtype(c.format), c.output_shape(), what);
  std::memcpy(call.out, out.data.data(), out.data.size());
  if (!call.lse) return;
  const std::size_t lq = c.attention->shape.lq;
  const NpyHeader header = lse_header(dir, c);
  const NpyArray lse = read_npy(dir / c.attention->lse, (dir / c.attention->lse).string());
  const Format lse_format = header.descr == kLseDtypes[1] ? Format::f64 : Format::f32;
  for (std::size_t i = 0; i < lq; ++i) call.lse[i] = load(lse_format, lse.data.data(), i);
}

}  // namespace softcheck::vectors
