// The zero-one loss's conditional regret: Delta C_{0-1}(h) = max_y p_y - p_{h(x)}.
//
// Ties: h(x) is the WORST of the tied top-scoring classes (the one with the smallest p_y).
// That is the largest regret any tie-breaking rule could give, so a bound shown with it holds
// for every rule; it is also the limit of the regret when the tie is broken by an arbitrarily
// small perturbation of h towards the worse class, and Delta C_tau is continuous in h.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>

namespace softcheck::hconsistency {

template <class T>
std::size_t predicted_class(std::span<const T> p, std::span<const double> h) {
  const double top = *std::max_element(h.begin(), h.end());
  std::size_t chosen = p.size();
  for (std::size_t y = 0; y < h.size(); ++y)
    if (h[y] == top && (chosen == p.size() || p[y] < p[chosen])) chosen = y;
  return chosen;
}

template <class T>
T zero_one_regret(std::span<const T> p, std::span<const double> h) {
  return *std::max_element(p.begin(), p.end()) - p[predicted_class(p, h)];
}

}  // namespace softcheck::hconsistency
