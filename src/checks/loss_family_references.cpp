#include "checks/loss_family_references.hpp"

#include <algorithm>
#include <stdexcept>

#include "checks/batch_reference.hpp"

namespace softcheck {

reference::LossKind loss_kind(Op op) {
  switch (op) {
    case Op::comp_sum: return reference::LossKind::comp_sum;
    case Op::sigmoid_bce: return reference::LossKind::sigmoid_bce;
    case Op::temperature_cross_entropy: return reference::LossKind::temperature_cross_entropy;
    case Op::z_loss: return reference::LossKind::z_loss;
    case Op::sigmoid_normaliser: return reference::LossKind::sigmoid_normaliser;
    case Op::softplus_normaliser: return reference::LossKind::softplus_normaliser;
    case Op::temperature_softmax: return reference::LossKind::temperature_softmax;
    default: throw std::invalid_argument("softcheck: not a loss-family op");
  }
}

LossFamilyReferences::LossFamilyReferences(const Batch& batch,
                                           const std::vector<const Kernel*>& kernels,
                                           unsigned threads) {
  for (const Kernel* kernel : kernels) {
    if (!is_loss_family(kernel->op)) continue;
    const bool known = std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) {
      return e.op == kernel->op && e.parameters == kernel->parameters;
    });
    if (known) continue;
    entries_.push_back({kernel->op, kernel->parameters,
                        loss_reference_batch(batch, loss_kind(kernel->op), kernel->parameters,
                                             threads)});
  }
}

const std::vector<reference::LossReference>& LossFamilyReferences::of(const Kernel& kernel) const {
  for (const Entry& e : entries_)
    if (e.op == kernel.op && e.parameters == kernel.parameters) return e.rows;
  throw std::logic_error("softcheck: no loss-family reference computed for " + kernel.name());
}

}  // namespace softcheck
