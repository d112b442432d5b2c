#include "training/stablemax_loss.hpp"

#include <ATen/ATen.h>

namespace softcheck::training {

at::Tensor stablemax_s(const at::Tensor& x) {
  const at::Tensor positive = x.clamp_min(0) + 1;
  const at::Tensor negative = 1 / (1 - x.clamp_max(0));
  return at::where(x >= 0, positive, negative);
}

at::Tensor stablemax_cross_entropy(const at::Tensor& logits, const at::Tensor& targets) {
  const at::Tensor s = stablemax_s(logits);
  const at::Tensor s_target = s.gather(1, targets.reshape({-1, 1})).squeeze(1);
  return s.sum(1).log() - s_target.log();
}

}  // namespace softcheck::training
