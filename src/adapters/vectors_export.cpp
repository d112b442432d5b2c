// Exporting the input families as vector files (see vectors_export.hpp). The batches come
// from family.generate(format, suite, family_seed(seed, family.name)), exactly as the gate
// draws them, so `vectors check` can regenerate and compare them.
#include "adapters/vectors_export.hpp"

#include <algorithm>
#include <cstring>
#include <map>

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
  for (const VectorCase& c : old.cases)
    for (const std::string* path : {&c.input, &c.target, &c.output, &c.loss})
      if (!path->empty()) fs::remove(dir / *path, error);
}

void write_file(const fs::path& dir, const std::string& relative, std::string_view descr,
                const std::vector<std::size_t>& shape, std::span<const std::byte> data) {
  std::error_code error;
  fs::create_directories((dir / relative).parent_path(), error);
  if (error) throw VectorsError((dir / relative).parent_path().string() + ": cannot create");
  write_npy(dir / relative, descr, shape, data);
}

// The selection without repeats, in the order given; everything when nothing is given.
template <class T, std::size_t N>
std::vector<T> selection(const std::vector<T>& chosen, const T (&all)[N]) {
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
  // The parametrised losses have no place in the vector files (docs/vectors.md): skipped.
  std::vector<Op> ops = selection(options.ops, kAllOps);
  std::erase_if(ops, is_loss_family);
  const bool any_cross_entropy = std::any_of(ops.begin(), ops.end(), has_loss);
  for (Format format : selection(options.formats, kAllFormats)) {
    const std::string dtype(name(format));
    for (const Family& family : families()) {
      const auto batches =
          family.generate(format, options.suite, family_seed(options.seed, family.name));
      for (std::size_t b = 0; b < batches.size(); ++b) {
        const Batch& batch = batches[b];
        if (batch.rows == 0 || batch.n == 0) {
          manifest.not_exported.push_back({format, family.name, b, batch.rows, batch.n});
          continue;
        }
        const std::string stem = batch_stem(family.name, b);
        const std::string input = "inputs/" + dtype + "/" + stem + ".npy";
        const std::vector<std::byte> bytes = input_bytes(batch);
        write_file(dir, input, npy_dtype(format), {batch.rows, batch.n}, bytes);
        const std::string target = "targets/" + dtype + "/" + stem + ".npy";
        if (any_cross_entropy)
          write_file(dir, target, kTargetDtype, {batch.rows}, target_bytes(batch));
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
          if (has_loss(op)) {
            c.target = target;
            c.loss = "outputs/" + op_name + "/" + dtype + "/" + stem + ".loss.npy";
          }
          manifest.cases.push_back(std::move(c));
        }
      }
    }
  }
  write_manifest(dir, manifest);
  return manifest;
}

}  // namespace softcheck::vectors
