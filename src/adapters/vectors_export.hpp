// `softcheck vectors export`: write the gate's input families as .npy files plus a manifest,
// so a framework on any device can compute the outputs without linking softcheck.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "adapters/vectors_manifest.hpp"

namespace softcheck::vectors {

struct ExportOptions {
  Suite suite = Suite::standard;
  std::uint64_t seed = 1;
  std::vector<Op> ops;          // empty: every op with vector_files (attention included)
  std::vector<Format> formats;  // empty: all four
};

// The logits of a batch in storage layout, rows of n elements (the bytes of its input file).
std::vector<std::byte> input_bytes(const Batch& batch);
// The targets as little-endian int64 (the bytes of its target file).
std::vector<std::byte> target_bytes(const Batch& batch);

// Writes inputs/<dtype>/<family>-b<batch>.npy (shared by the ops), targets/... for
// cross_entropy, and manifest.json; the manifest names the output files the framework must
// write under outputs/. Batches with no rows or n = 0 are left out (listed in "not_exported").
// The directory is created if needed; it must be empty or hold an earlier export, whose
// listed output files are removed so no stale output survives. Throws VectorsError.
Manifest export_vectors(const std::filesystem::path& dir, const ExportOptions& options);

}  // namespace softcheck::vectors
