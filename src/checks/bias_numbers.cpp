// The rounding-bias numbers of a family's references: see bias_numbers.hpp.
#include "checks/bias_numbers.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/parallel.hpp"

namespace softcheck {

BiasNumbering& FamilyBiasNumberings::of(const ReferenceKey& key) {
  for (auto& [k, numbering] : numberings_)
    if (k == key) return numbering;
  return numberings_.emplace_back(key, BiasNumbering(format_)).second;
}

ReferenceNumbers::ReferenceNumbers(BiasNumbering& numbering,
                                   const std::vector<reference::OpRow>& rows, std::size_t n)
    : stride_(n + 1), numbers_(rows.size() * (n + 1), kNotCounted) {
  numbering.reserve(numbers_.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const std::vector<reference::Exact>& elements = rows[r].elements;
    for (std::size_t i = 0; i < std::min(n, elements.size()); ++i)
      numbers_[r * stride_ + i] = numbering.number(elements[i]);
    numbers_[r * stride_ + n] = numbering.number(rows[r].value);
  }
}

BatchBiasNumbers::BatchBiasNumbers(FamilyBiasNumberings& family, const BatchReferences& references,
                                   const std::vector<const Kernel*>& kernels, std::size_t n,
                                   unsigned threads) {
  std::vector<BiasNumbering*> numberings;
  for (const Kernel* kernel : kernels) {
    const std::vector<reference::OpRow>* rows = &references.of(*kernel);
    if (std::find(references_.begin(), references_.end(), rows) != references_.end()) continue;
    references_.push_back(rows);
    numberings.push_back(&family.of(reference_key(*kernel)));
  }
  // Each reference has its own numbering, so they are numbered side by side.
  numbers_.resize(references_.size());
  parallel_for(references_.size(), threads, [&](std::size_t i) {
    numbers_[i] = ReferenceNumbers(*numberings[i], *references_[i], n);
  });
}

const ReferenceNumbers& BatchBiasNumbers::of(const std::vector<reference::OpRow>& rows) const {
  const auto found = std::find(references_.begin(), references_.end(), &rows);
  if (found == references_.end())
    throw std::logic_error("softcheck: no bias numbers for these references");
  return numbers_[static_cast<std::size_t>(found - references_.begin())];
}

}  // namespace softcheck
