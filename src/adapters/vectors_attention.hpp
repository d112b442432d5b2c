// Attention in vector files (docs/vectors.md, "Attention"): the export of the attention
// families' cases (Q, K, V, the mask or bias, one head per case), the check that stored
// inputs are the regenerated ones byte for byte, and the hash that finds a stored case from
// a kernel call. The replay kernels that serve the stored O and LSE are in vectors_kernel.cpp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "adapters/vectors_manifest.hpp"
#include "core/attention.hpp"
#include "kernels/attention_kernel.hpp"

namespace softcheck::vectors {

// The bytes a call points at: Q, K, V in the storage format, keep (lq x lk, 0/1) or bias.
struct AttentionInputBytes {
  std::span<const std::byte> q, k, v, keep, bias;
};
AttentionInputBytes attention_input_bytes(const AttentionCall& call, Format format);
// 64-bit FNV-1a over q, k, v, keep and bias in that order (the case's "input_hash").
std::uint64_t attention_hash(const AttentionInputBytes& bytes);

// Writes inputs/attention/<dtype>/<family>-b<case>.{q,k,v,keep|bias}.npy for every case of
// every attention family of the suite and returns the manifest cases, whose outputs are
// outputs/attention/<dtype>/<family>-b<case>.npy and .lse.npy. Throws VectorsError.
std::vector<VectorCase> export_attention(const std::filesystem::path& dir, Format format,
                                         Suite suite, std::uint64_t seed);

// The files a case names (inputs and outputs), for removing an earlier export.
std::vector<std::string> attention_paths(const VectorCase& c);

// Regenerates the attention cases of the manifest from its suite and seed and compares the
// description (shape, scale, softcap, mask) and every stored input byte for byte. Throws
// VectorsError with one line naming the file (or manifest.json) and the first difference.
void verify_attention_inputs(const std::filesystem::path& dir, const Manifest& manifest);

// The output files of a case that is not skipped: O must exist with shape (lq, d) in the
// storage dtype; the LSE, when present, (lq,) in '<f4' or '<f8'. Returns whether the LSE
// file exists. Throws VectorsError.
bool verify_attention_outputs(const std::filesystem::path& dir, const VectorCase& c);

// Copies a case's stored O (and LSE, when `call.lse` is given) into the call's buffers.
void copy_attention_outputs(const std::filesystem::path& dir, const VectorCase& c,
                            const AttentionCall& call);

}  // namespace softcheck::vectors
