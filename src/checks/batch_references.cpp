#include "checks/batch_references.hpp"

#include <stdexcept>

namespace softcheck {

BatchReferences::BatchReferences(const Batch& batch, const std::vector<const Kernel*>& kernels,
                                 unsigned threads, bool mpfr_only) {
  reference::ReferenceOptions options;
  options.fast_path = !mpfr_only;
  for (const Kernel* kernel : kernels) {
    if (find(*kernel)) continue;
    const reference::ReferenceGroup& group = reference::reference_group(kernel->op);
    const LossParameters parameters = group.uses_parameters ? kernel->parameters : LossParameters{};
    entries_.push_back(
        {&group, parameters,
         reference::evaluate_group_batch(group, batch, parameters, options, threads)});
  }
}

const std::vector<reference::OpRow>& BatchReferences::of(const Kernel& kernel) const {
  const Entry* entry = find(kernel);
  if (!entry) throw std::logic_error("softcheck: no reference computed for " + kernel.name());
  return entry->rows[reference::position_in_group(kernel.op)];
}

const BatchReferences::Entry* BatchReferences::find(const Kernel& kernel) const {
  const reference::ReferenceGroup& group = reference::reference_group(kernel.op);
  for (const Entry& e : entries_)
    if (e.group == &group && (!group.uses_parameters || e.parameters == kernel.parameters))
      return &e;
  return nullptr;
}

}  // namespace softcheck
