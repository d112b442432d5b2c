// The modular-addition task of the grokking experiments: every pair (a, b) in [0, p)², label
// (a + b) mod p, split at random into train and test. Inputs are kept as the two indices; the
// model's first layer reads them as the concatenated one-hot vector [e_a, e_b] (2p dims).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace grokking {

struct Split {
  at::Tensor a, b, y;  // int64 [N]
  std::int64_t size() const { return y.size(0); }
};

struct ModularData {
  std::int64_t modulus = 0;
  Split train, test;
};

// All p² pairs; round(train_fraction · p²) of them, chosen by a Fisher–Yates shuffle with
// softcheck::Rng(seed) (platform independent), form the training set, the rest the test set.
ModularData make_modular_addition(std::int64_t modulus, double train_fraction, std::uint64_t seed);

}  // namespace grokking
