#include "hconsistency/sample.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/rng.hpp"

namespace softcheck::hconsistency {
namespace {

// Gamma(alpha, 1) by Marsaglia & Tsang (2000); alpha < 1 through Gamma(alpha + 1) U^(1/alpha).
double gamma_variate(Rng& rng, double alpha) {
  if (alpha < 1) return gamma_variate(rng, alpha + 1) * std::pow(1 - rng.uniform(), 1 / alpha);
  const double d = alpha - 1.0 / 3.0;
  const double c = 1 / std::sqrt(9 * d);
  for (;;) {
    double x = rng.normal();
    double v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    const double u = 1 - rng.uniform();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}

std::vector<double> dirichlet(Rng& rng, std::size_t n, double alpha) {
  std::vector<double> w(n);
  for (double& v : w) v = gamma_variate(rng, alpha);
  return w;
}

// A tiny positive number 10^-U(1, 12): the scale of near-ties.
double tiny(Rng& rng) { return std::pow(10.0, -rng.uniform(1, 12)); }

std::vector<double> normalised(std::vector<double> w) {
  const double sum = std::accumulate(w.begin(), w.end(), 0.0);
  if (!(sum > 0)) std::fill(w.begin(), w.end(), 1.0);  // every weight underflowed: uniform
  const double total = sum > 0 ? sum : static_cast<double>(w.size());
  for (double& v : w) v /= total;
  return w;
}

// p families: Dirichlet(1), sparse Dirichlet(0.2), near-uniform Dirichlet(20), top two
// nearly tied, nearly deterministic, supported on two classes, several classes tied at the top.
constexpr int kPFamilies = 7;
const char* const kPFamilyNames[kPFamilies] = {"dirichlet1", "dirichlet0.2", "dirichlet20", "near-tie",
                                               "near-deterministic", "two-class", "tied-top"};

std::vector<double> draw_p(Rng& rng, std::size_t n, int family) {
  switch (family) {
    case 0: return dirichlet(rng, n, 1.0);
    case 1: return dirichlet(rng, n, 0.2);
    case 2: return dirichlet(rng, n, 20.0);
    case 3: {
      auto w = dirichlet(rng, n, 1.0);
      std::sort(w.begin(), w.end(), std::greater<>());
      w[1] = w[0] * (1 - tiny(rng));
      return w;
    }
    case 4: {
      auto w = dirichlet(rng, n, 1.0);
      const double rest = std::accumulate(w.begin() + 1, w.end(), 0.0);
      const double delta = tiny(rng);
      for (double& v : w) v *= delta / rest;
      w[0] = 1 - delta;
      return w;
    }
    case 5: {
      std::vector<double> w(n, 0.0);
      w[0] = rng.uniform(0.5, 1.0);
      w[1] = 1 - w[0];
      return w;
    }
    default: {
      std::vector<double> w(n);
      const std::size_t tied = 1 + rng.below(n);
      const double gap = rng.uniform();
      for (std::size_t i = 0; i < n; ++i) w[i] = i < tied ? 1.0 : gap;
      return w;
    }
  }
}

// h families: Gaussian (sd 1 and 5), nearly tied, ranking reversed against p, near the
// surrogate's minimiser (small Delta C_tau), and the top two classes of p swapped by a
// small margin with the other classes far below (the structure of the worst cases).
constexpr int kHFamilies = 6;
const char* const kHFamilyNames[kHFamilies] = {"gauss1", "gauss5", "near-tie", "reversed",
                                               "near-optimal", "swapped-top"};

std::vector<double> draw_h(Rng& rng, const std::vector<double>& p, int family) {
  const std::size_t n = p.size();
  std::vector<double> h(n);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&p](std::size_t a, std::size_t b) { return p[a] > p[b]; });
  switch (family) {
    case 0: for (double& v : h) v = rng.normal(); break;
    case 1: for (double& v : h) v = 5 * rng.normal(); break;
    case 2: {
      const double scale = tiny(rng);
      for (double& v : h) v = scale * rng.normal();
      break;
    }
    case 3:
      for (std::size_t r = 0; r < n; ++r) h[order[r]] = static_cast<double>(r) + 0.1 * rng.normal();
      break;
    case 4:
      for (std::size_t y = 0; y < n; ++y)
        h[y] = std::log(std::max(p[y], 1e-300)) * rng.uniform(0.3, 0.7) + tiny(rng) * rng.normal();
      break;
    default:
      for (double& v : h) v = -rng.uniform(5, 40);
      h[order[0]] = -tiny(rng) * rng.uniform();
      if (n > 1) h[order[1]] = 0;
      break;
  }
  return h;
}

}  // namespace

Sample draw_sample(std::uint64_t seed, std::uint64_t index, std::size_t classes) {
  Rng rng(derive_seed(seed, index));
  const int p_family = static_cast<int>(rng.below(kPFamilies));
  const int h_family = static_cast<int>(rng.below(kHFamilies));
  Sample sample;
  sample.p = normalised(draw_p(rng, classes, p_family));
  // Shuffle the classes so no family always puts its largest p first.
  for (std::size_t i = classes; i > 1; --i) std::swap(sample.p[i - 1], sample.p[rng.below(i)]);
  sample.h = draw_h(rng, sample.p, h_family);
  sample.p_family = kPFamilyNames[p_family];
  sample.h_family = kHFamilyNames[h_family];
  return sample;
}

}  // namespace softcheck::hconsistency
