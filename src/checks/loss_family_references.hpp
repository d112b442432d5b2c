// The loss-family references of one batch, per (op, parameters) that a selected kernel needs:
// a gate of other kernels computes none, and each parameter set is computed once however
// many kernels (formats share nothing: a batch has one format) use it.
#pragma once

#include <vector>

#include "core/batch.hpp"
#include "kernels/kernel.hpp"
#include "reference/loss_family_reference.hpp"

namespace softcheck {

// The reference's name for a loss-family op.
reference::LossKind loss_kind(Op op);

class LossFamilyReferences {
 public:
  // Computes the references every loss-family kernel in `kernels` needs on `batch`.
  LossFamilyReferences(const Batch& batch, const std::vector<const Kernel*>& kernels,
                       unsigned threads);
  LossFamilyReferences() = default;
  // The rows' references for the kernel's op and parameters (computed by the constructor).
  const std::vector<reference::LossReference>& of(const Kernel& kernel) const;

 private:
  struct Entry {
    Op op;
    LossParameters parameters;
    std::vector<reference::LossReference> rows;
  };
  std::vector<Entry> entries_;
};

}  // namespace softcheck
