// The manifest of a vector-file directory (manifest.json; docs/vectors.md is the schema):
// which suite and seed the inputs come from, and one case per op x dtype x family batch with
// the relative paths of its input, target, output and loss files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/families.hpp"
#include "core/format.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::vectors {

inline constexpr std::string_view kManifestFormat = "softcheck-vectors";
inline constexpr int kManifestVersion = 1;
inline constexpr std::string_view kManifestFile = "manifest.json";
inline constexpr std::string_view kTargetDtype = "<i8";
inline constexpr std::string_view kDefaultAlgorithm = "outputs";

// The .npy dtype of a format's logits and outputs: '<f8', '<f4', '<f2', and '<u2' for bf16
// (the bit patterns: the upper half of the binary32 encoding).
std::string_view npy_dtype(Format format);

struct VectorCase {
  std::string id;  // "op/dtype/family/batch", e.g. "softmax/f32/normal-s1/0"
  Op op = Op::softmax;
  Format format = Format::f32;
  std::string family;
  std::size_t batch = 0;  // index of the batch within the family
  std::size_t rows = 0, n = 0;
  std::string input;       // relative paths inside the directory: the logits
  std::string target;      // cross_entropy only, else empty
  std::string output;      // (rows, n), or (rows,) for logsumexp
  std::string loss;        // cross_entropy only, else empty
  std::string input_hash;  // hash_text(fnv1a64(input data bytes))
  std::string skipped;     // set by the framework: why it wrote no output (empty: not skipped)
  // The op's inputs besides the logits and the target (core/op.hpp: dy, q, ...): the input's
  // name (its manifest key) -> relative path of a (rows, n) file in the case's dtype.
  std::map<std::string, std::string> other_inputs;

  std::vector<std::size_t> output_shape() const;  // (rows, n) or (rows,)
};

// A batch the export left out because it has no elements.
struct EmptyBatch {
  Format format;
  std::string family;
  std::size_t batch, rows, n;
};

struct Manifest {
  Suite suite = Suite::standard;
  std::uint64_t seed = 1;
  std::string name;       // set by the framework script (kernel provider "vectors:NAME")
  std::string algorithm;  // set by the framework script (kernel algorithm)
  std::vector<VectorCase> cases;
  std::vector<EmptyBatch> not_exported;
};

// Throws VectorsError naming manifest.json and the problem (missing, not JSON, wrong format
// or version, a field missing or of the wrong type, an unknown op/dtype/family, a path that
// is absolute or leaves the directory, a duplicate id).
Manifest read_manifest(const std::filesystem::path& dir);
void write_manifest(const std::filesystem::path& dir, const Manifest& manifest);

}  // namespace softcheck::vectors
