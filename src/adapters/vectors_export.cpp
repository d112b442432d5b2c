// Exporting the input families as vector files (see vectors_export.hpp). The batches come
// from family.generate(format, suite, family_seed(seed, family.name)), exactly as the gate
// draws them, so `vectors check` can regenerate and compare them.
#include "adapters/vectors_export.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#include "adapters/vectors_attention.hpp"
#include "adapters/vectors_error.hpp"
#include "adapters/vectors_hash.hpp"
#include "adapters/vectors_npy.hpp"
#include "core/batch.hpp"

namespace softcheck::vectors {
namespace {

namespace fs = std::filesystem;

std::string batch_stem(const std::string& family, std::size_t batch) {
  return family + "-b" + std::to_string(batch);
}

// An earlier export's files are removed (inputs, targets, outputs, losses); anything else in
// a non-empty directory makes the export refuse, so it never mixes with unrelated files.
void prepare_directory(const fs::path& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error || !fs::is_directory(dir))
    throw VectorsError(dir.string() + ": cannot create the directory");
  if (fs::is_empty(dir)) return;
  if (!fs::exists(dir / kManifestFile))
    throw VectorsError(dir.string() + ": directory is not empty and holds no manifest.json");
  Manifest old;
  try {
    old = read_manifest(dir);
  } catch (const VectorsError& e) {
    throw VectorsError(dir.string() + ": directory is not empty and its manifest is unreadable (" +
                       e.what() + ")");
  }
  for (const VectorCase& c : old.cases) {
    for (const std::string* path : {&c.input, &c.target, &c.output, &c.loss})
      if (!path->empty()) fs::remove(dir / *path, error);
    for (const auto& [key, path] : c.other_inputs) fs::remove(dir / path, error);
    for (const std::string& path : attention_paths(c))
      if (!path.empty()) fs::remove(dir / path, error);
  }
}

// The selection without repeats, in the order given; everything when nothing is given.
template <class T, class All>
std::vector<T> selection(const std::vector<T>& chosen, const All& all) {
  std::vector<T> out;
  for (T item : chosen.empty() ? std::vector<T>(std::begin(all), std::end(all)) : chosen)
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
  return out;
}

}  // namespace

std::vector<std::byte> input_bytes(const Batch& batch) {
  return pack(batch, batch.n).bytes;
}

std::vector<std::byte> target_bytes(const Batch& batch) {
  std::vector<std::byte> bytes(batch.targets.size() * sizeof(std::int64_t));
  if (!bytes.empty()) std::memcpy(bytes.data(), batch.targets.data(), bytes.size());
  return bytes;
}

Manifest export_vectors(const fs::path& dir, const ExportOptions& options) {
  prepare_directory(dir);
  Manifest manifest;
  manifest.suite = options.suite;
  manifest.seed = options.seed;
  // Ops the vector files do not carry (the op table's vector_files; docs/vectors.md): skipped.
  std::vector<Op> ops = selection(options.ops, all_ops());
  std::erase_if(ops, [](Op op) { return !op.spec().vector_files; });
  // Attention's cases are heads, not batches of rows: exported apart (vectors_attention.hpp).
  const bool attention =
      std::erase_if(ops, [](Op op) { return !row_kernels(op.spec().outputs); }) > 0;
  const bool any_target = std::any_of(ops.begin(), ops.end(),
                                      [](Op op) { return op.spec().takes(Input::target); });
  for (Format format : selection(options.formats, kAllFormats)) {
    const std::string dtype(name(format));
    if (attention)
      for (VectorCase& c : export_attention(dir, format, options.suite, options.seed))
        manifest.cases.push_back(std::move(c));
    for (const Family& family : families()) {
      if (ops.empty()) break;
      const std::uint64_t seed = family_seed(options.seed, family.name);
      std::vector<Batch> batches = family.generate(format, options.suite, seed);
      for (std::size_t b = 0; b < batches.size(); ++b) {
        Batch& batch = batches[b];
        if (batch.rows == 0 || batch.n == 0) {
          manifest.not_exported.push_back({format, family.name, b, batch.rows, batch.n});
          continue;
        }
        const std::string stem = batch_stem(family.name, b);
        const std::string input = "inputs/" + dtype + "/" + stem + ".npy";
        const std::vector<std::byte> bytes = input_bytes(batch);
        write_npy_under(dir, input, npy_dtype(format), {batch.rows, batch.n}, bytes);
        const std::string target = "targets/" + dtype + "/" + stem + ".npy";
        if (any_target) write_npy_under(dir, target, kTargetDtype, {batch.rows}, target_bytes(batch));
        // The ops' other inputs (dy, q, ...), one file per input and batch, shared by the ops.
        std::map<std::string, std::string> other_inputs;
        for (Op op : ops) {
          add_op_inputs(batch, op, seed, b);
          for (Input kind : op.spec().inputs) {
            const std::string key(name(kind));
            if (!per_element(kind) || kind == Input::logits || other_inputs.contains(key)) continue;
            other_inputs[key] = "inputs/" + key + "/" + dtype + "/" + stem + ".npy";
            write_npy_under(dir, other_inputs[key], npy_dtype(format), {batch.rows, batch.n},
                       pack_input(batch, kind, batch.n).bytes);
          }
        }
        for (Op op : ops) {
          const std::string op_name(name(op));
          VectorCase c;
          c.id = op_name + "/" + dtype + "/" + family.name + "/" + std::to_string(b);
          c.op = op;
          c.format = format;
          c.family = family.name;
          c.batch = b;
          c.rows = batch.rows;
          c.n = batch.n;
          c.input = input;
          c.input_hash = hash_text(fnv1a64(bytes));
          c.output = "outputs/" + op_name + "/" + dtype + "/" + stem + ".npy";
          if (op.spec().takes(Input::target)) c.target = target;
          if (op.spec().has_loss())
            c.loss = "outputs/" + op_name + "/" + dtype + "/" + stem + ".loss.npy";
          for (Input kind : op.spec().inputs)
            if (per_element(kind) && kind != Input::logits)
              c.other_inputs[std::string(name(kind))] = other_inputs.at(std::string(name(kind)));
          manifest.cases.push_back(std::move(c));
        }
      }
    }
  }
  write_manifest(dir, manifest);
  return manifest;
}

}  // namespace softcheck::vectors
