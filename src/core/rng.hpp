// Deterministic, platform-independent random numbers (xoshiro256** seeded by SplitMix64).
// Every randomised result in softcheck is reproducible from its printed 64-bit seed.
#pragma once

#include <cstdint>

namespace softcheck {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next();
  double uniform();                        // [0, 1), 53 random bits
  double uniform(double lo, double hi);    // [lo, hi)
  double normal();                         // standard normal (Box-Muller)
  std::uint64_t below(std::uint64_t bound);  // [0, bound), bound > 0

 private:
  std::uint64_t state_[4];
};

// Derive an independent stream seed from a base seed and a label (e.g. family index, row).
std::uint64_t derive_seed(std::uint64_t base, std::uint64_t label);

}  // namespace softcheck
