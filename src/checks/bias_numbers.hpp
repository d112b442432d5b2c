// The rounding-bias numbers (rounding_bias.hpp, BiasNumbering) of a family's references: every
// exact value that the kernels of a batch read, numbered once for all of them, one numbering
// per reference (a kernel counts at most kMaxBiasValues values of its own op's, and each
// numbering stops at as many).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "checks/batch_references.hpp"
#include "checks/rounding_bias.hpp"
#include "kernels/kernel.hpp"
#include "reference/op_reference.hpp"

namespace softcheck {

// One numbering per reference of a family in one format.
class FamilyBiasNumberings {
 public:
  explicit FamilyBiasNumberings(Format format) : format_(format) {}
  BiasNumbering& of(const ReferenceKey& key);

 private:
  Format format_;
  std::deque<std::pair<ReferenceKey, BiasNumbering>> numberings_;  // stable addresses
};

// The numbers of one batch's references of one op (one OpRow per row of n elements).
class ReferenceNumbers {
 public:
  ReferenceNumbers() = default;
  ReferenceNumbers(BiasNumbering& numbering, const std::vector<reference::OpRow>& rows,
                   std::size_t n);
  std::uint32_t element(std::size_t row, std::size_t i) const { return numbers_[row * stride_ + i]; }
  std::uint32_t value(std::size_t row) const { return numbers_[row * stride_ + stride_ - 1]; }

 private:
  std::size_t stride_ = 1;             // n elements, then the row's value
  std::vector<std::uint32_t> numbers_;
};

// The numbers of every reference that `kernels` read in one batch.
class BatchBiasNumbers {
 public:
  // Numbers on up to `threads` threads.
  BatchBiasNumbers(FamilyBiasNumberings& family, const BatchReferences& references,
                   const std::vector<const Kernel*>& kernels, std::size_t n, unsigned threads);
  // The numbers of a kernel's references; throws std::logic_error for one not numbered.
  const ReferenceNumbers& of(const std::vector<reference::OpRow>& rows) const;

 private:
  std::vector<const std::vector<reference::OpRow>*> references_;
  std::vector<ReferenceNumbers> numbers_;  // of references_[i]
};

}  // namespace softcheck
