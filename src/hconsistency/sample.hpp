// Random (p, h) pairs for the bound check. Sample k of seed s is drawn from its own stream
// derive_seed(s, k), so any sample is reproducible from (seed, index) alone, and p and h are
// printed with 17 significant digits, which reproduce the same doubles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace softcheck::hconsistency {

struct Sample {
  std::vector<double> p;  // a distribution in double; the checks renormalise it exactly
  std::vector<double> h;  // scores
  std::string p_family;   // how each was drawn, for reports
  std::string h_family;
};

Sample draw_sample(std::uint64_t seed, std::uint64_t index, std::size_t classes);

}  // namespace softcheck::hconsistency
