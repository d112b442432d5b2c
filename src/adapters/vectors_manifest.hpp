// The manifest of a vector-file directory (manifest.json; docs/vectors.md is the schema):
// which suite and seed the inputs come from, and one case per op x dtype x family batch with
// the relative paths of its input, target, output and loss files. Attention cases (op
// "attention") are one head each: Q, K, V and the mask or bias, the scale, softcap and mask
// description, and the paths of O and the optional LSE.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/attention.hpp"
#include "core/families.hpp"
#include "core/format.hpp"
#include "kernels/attention_kernel.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::vectors {

inline constexpr std::string_view kManifestFormat = "softcheck-vectors";
inline constexpr int kManifestVersion = 1;
inline constexpr std::string_view kManifestFile = "manifest.json";
inline constexpr std::string_view kTargetDtype = "<i8";
inline constexpr std::string_view kDefaultAlgorithm = "outputs";
inline constexpr std::string_view kKeepDtype =
    "|b1";  // attention's boolean masks (True = attended)

// The .npy dtype of a format's logits and outputs: '<f8', '<f4', '<f2', and '<u2' for bf16
// (the bit patterns: the upper half of the binary32 encoding).
std::string_view npy_dtype(Format format);

// What an attention case holds besides the common fields (op "attention"; docs/vectors.md).
struct VectorAttention {
  AttentionShape shape;
  double scale = 0.0;    // exact, as the case uses it (never 0)
  double softcap = 0.0;  // 0: none
  AttentionMask mask;    // kind, query_offset, window, valid_keys, additive, sentinel
  std::string q, k, v;   // inputs: (lq, d), (lk, d), (lk, d) in the storage dtype
  std::string keep;      // boolean masks: (lq, lk) '|b1', True = attended; else empty
  std::string bias;      // additive masks: (lq, lk) in the storage dtype; else empty
  std::string lse;       // output, optional for the framework: (lq,) '<f4' or '<f8'
};

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
  // Attention cases only (then rows, n, input, target and loss are unused): the head.
  std::optional<VectorAttention> attention;

  std::vector<std::size_t> output_shape() const;  // (rows, n), (rows,), or attention's (lq, d)
};

// What the framework declares about its attention (the manifest's optional "attention"):
// the fully masked rows' O and LSE, and per dtype the accumulation and P formats. Defaults:
// NaN and -inf, accumulation f32 (f64 for f64), P not rounded.
struct AttentionDeclaration {
  MaskedRowOutput masked_row = MaskedRowOutput::nan;
  double masked_row_lse = -HUGE_VAL;
  std::map<Format, AttentionFormats> formats;  // dtypes the manifest names
  bool present = false;                        // the manifest has "attention"

  AttentionFormats formats_of(Format storage) const;
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
  AttentionDeclaration attention;
};

// Exact text of a double: C99 hex ("0x1.6a09e667f3bcdp-3", "-inf") and every decimal digit
// ("0.176776695296636881100211090526354908943176269531", "-inf").
std::string hex_text(double value);
std::string exact_decimal(double value);

// Throws VectorsError naming manifest.json and the problem (missing, not JSON, wrong format
// or version, a field missing or of the wrong type, an unknown op/dtype/family, a path that
// is absolute or leaves the directory, a duplicate id).
Manifest read_manifest(const std::filesystem::path& dir);
// The same from the manifest's text; `origin` starts every error message.
Manifest parse_manifest(const std::string& text, const std::string& origin);
void write_manifest(const std::filesystem::path& dir, const Manifest& manifest);

}  // namespace softcheck::vectors
