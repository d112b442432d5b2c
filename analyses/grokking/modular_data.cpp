#include "modular_data.hpp"

#include <ATen/ATen.h>

#include <cmath>
#include <numeric>
#include <utility>
#include <vector>

#include "core/rng.hpp"

namespace grokking {
namespace {

Split take(const std::vector<std::int64_t>& pairs, std::size_t begin, std::size_t end,
           std::int64_t modulus) {
  std::vector<std::int64_t> a, b, y;
  for (std::size_t i = begin; i < end; ++i) {
    const std::int64_t x = pairs[i] / modulus;
    const std::int64_t z = pairs[i] % modulus;
    a.push_back(x);
    b.push_back(z);
    y.push_back((x + z) % modulus);
  }
  return {at::tensor(a, at::kLong), at::tensor(b, at::kLong), at::tensor(y, at::kLong)};
}

}  // namespace

ModularData make_modular_addition(std::int64_t modulus, double train_fraction,
                                  std::uint64_t seed) {
  std::vector<std::int64_t> pairs(static_cast<std::size_t>(modulus * modulus));
  std::iota(pairs.begin(), pairs.end(), std::int64_t{0});
  softcheck::Rng rng(seed);
  for (std::size_t i = pairs.size() - 1; i > 0; --i) {
    std::swap(pairs[i], pairs[rng.below(i + 1)]);
  }
  const auto n_train =
      static_cast<std::size_t>(std::llround(train_fraction * static_cast<double>(pairs.size())));
  return {modulus, take(pairs, 0, n_train, modulus), take(pairs, n_train, pairs.size(), modulus)};
}

}  // namespace grokking
