// `softcheck vectors check`: a directory of vector files whose outputs a framework wrote,
// opened as kernels for the gate. One Kernel per (op, dtype) with cases to check, named
// vectors:NAME/op/dtype/ALGORITHM; its KernelFn finds the stored output for the exact input
// of the call (by hashing the call's rows, n elements each whatever the stride) and copies it
// into out (and loss). The gate's include_batch filter (includes()) keeps the gate to the
// batches that have a stored output, so an unexported or skipped batch counts nowhere.
// Attention cases get one AttentionKernel per dtype, vectors:NAME/attention/dtype/ALGORITHM,
// whose run() finds the stored case by the hash of the call's Q, K, V and mask and copies its
// O (and LSE, when every case of the dtype has one); includes_attention() keeps the attention
// gate to the stored cases. Formats and masked-row behaviour come from the manifest's
// "attention" declaration (docs/vectors.md).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "adapters/vectors_manifest.hpp"
#include "kernels/attention_kernel.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::vectors {

// What happened to the cases of one (op, dtype).
struct KernelCases {
  std::string kernel;  // the kernel name (also for an (op, dtype) whose cases were all skipped)
  Op op;
  Format format;
  std::size_t total = 0;
  std::size_t skipped = 0;  // marked "skipped" by the framework
  std::size_t checked = 0;  // handed to the gate so far
  bool has_kernel() const { return skipped < total; }
};

class VectorSet {
 public:
  // Reads the manifest, regenerates every batch from (suite, seed) and compares the stored
  // inputs and targets with it, and checks that each output file the framework should have
  // written exists with the right dtype and shape. `name` overrides the manifest's "name"
  // (default: the directory's name). Throws VectorsError with one line naming the file.
  static VectorSet open(const std::filesystem::path& dir, const std::string& name = {});

  const Manifest& manifest() const;
  const std::string& provider() const;  // "vectors:NAME"
  // The kernels, one per (op, dtype) with at least one case that is not skipped. The
  // pointers stay valid for the VectorSet's life (moves included).
  std::vector<const Kernel*> kernels() const;
  // For GateOptions::include_batch: whether `kernel` has a stored output for that batch.
  bool includes(const Kernel& kernel, const std::string& family, std::size_t batch) const;
  // The attention kernels, one per dtype with at least one case that is not skipped.
  std::vector<const AttentionKernel*> attention_kernels() const;
  // For AttentionGateOptions::include_case: whether `kernel` has a stored output for that case.
  bool includes_attention(const AttentionKernel& kernel, const std::string& family,
                          std::size_t index) const;
  // Per (op, dtype), in manifest order; `checked` counts the cases the kernels served.
  std::vector<KernelCases> summary() const;
  std::vector<const VectorCase*> skipped_cases() const;
  // Cases that are not skipped but that no kernel call asked for (none after a full gate).
  std::vector<const VectorCase*> unserved_cases() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace softcheck::vectors
