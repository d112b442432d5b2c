#include "checks/batch_reference.hpp"

#include "reference/batch_rows.hpp"
#include "reference/op_reference.hpp"

namespace softcheck {

std::vector<reference::RowReference> reference_batch(const Batch& batch, unsigned threads,
                                                     bool fast_path) {
  reference::ReferenceOptions options;
  options.fast_path = fast_path;
  return reference::evaluate_rows<reference::RowReference>(batch, threads, [&](std::size_t r) {
    const reference::RowInputs row = reference::row_inputs(batch, r);
    return reference::evaluate_row(row.logits, batch.format, row.target, options);
  });
}

std::vector<reference::StableMaxReference> stablemax_reference_batch(const Batch& batch,
                                                                     unsigned threads,
                                                                     bool fast_path) {
  reference::ReferenceOptions options;
  options.fast_path = fast_path;
  return reference::evaluate_rows<reference::StableMaxReference>(
      batch, threads, [&](std::size_t r) {
        const reference::RowInputs row = reference::row_inputs(batch, r);
        return reference::evaluate_stablemax_row(row.logits, batch.format, row.target, options);
      });
}

}  // namespace softcheck
