#include "checks/batch_references.hpp"

#include <stdexcept>

namespace softcheck {

ReferenceKey reference_key(const Kernel& kernel) {
  const reference::ReferenceGroup& group = reference::reference_group(kernel.op);
  return {&group, group.uses_parameters ? kernel.parameters : LossParameters{},
          reference::position_in_group(kernel.op)};
}

BatchReferences::BatchReferences(const Batch& batch, const std::vector<const Kernel*>& kernels,
                                 unsigned threads, bool mpfr_only) {
  reference::ReferenceOptions options;
  options.fast_path = !mpfr_only;
  for (const Kernel* kernel : kernels) {
    if (find(*kernel)) continue;
    const ReferenceKey key = reference_key(*kernel);
    entries_.push_back({key.group, key.parameters,
                        reference::evaluate_group_batch(*key.group, batch, key.parameters,
                                                        options, threads)});
  }
}

const std::vector<reference::OpRow>& BatchReferences::of(const Kernel& kernel) const {
  const Entry* entry = find(kernel);
  if (!entry) throw std::logic_error("softcheck: no reference computed for " + kernel.name());
  return entry->rows[reference_key(kernel).position];
}

const BatchReferences::Entry* BatchReferences::find(const Kernel& kernel) const {
  const ReferenceKey key = reference_key(kernel);
  for (const Entry& e : entries_)
    if (e.group == key.group && e.parameters == key.parameters) return &e;
  return nullptr;
}

}  // namespace softcheck
