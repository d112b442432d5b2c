// The references of one batch for a set of kernels: per reference group
// (reference/op_reference.hpp) and parameter set that a kernel needs, computed once. StableMax
// rows cost nothing in a gate of softmax kernels, and the four softmax-family ops share one
// computation. Used by the gate and the stability report.
#pragma once

#include <vector>

#include "core/batch.hpp"
#include "kernels/kernel.hpp"
#include "reference/op_reference.hpp"

namespace softcheck {

// What names a kernel's references from batch to batch: its op's reference group, the loss
// parameters when the group uses them, and the op's place in the group.
struct ReferenceKey {
  const reference::ReferenceGroup* group;
  LossParameters parameters;
  std::size_t position;
  bool operator==(const ReferenceKey&) const = default;
};
ReferenceKey reference_key(const Kernel& kernel);

class BatchReferences {
 public:
  // mpfr_only: every row in MPFR, without the double-double fast paths (GateOptions).
  BatchReferences(const Batch& batch, const std::vector<const Kernel*>& kernels, unsigned threads,
                  bool mpfr_only = false);

  // The rows' references for the kernel's op (and parameters); throws std::logic_error for a
  // kernel the constructor was not given.
  const std::vector<reference::OpRow>& of(const Kernel& kernel) const;
  bool has(const Kernel& kernel) const { return find(kernel) != nullptr; }

 private:
  struct Entry {
    const reference::ReferenceGroup* group;
    LossParameters parameters;
    std::vector<std::vector<reference::OpRow>> rows;  // [op in group][row]
  };
  const Entry* find(const Kernel& kernel) const;

  std::vector<Entry> entries_;
};

}  // namespace softcheck
