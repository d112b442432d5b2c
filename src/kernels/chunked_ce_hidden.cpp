// Cross-entropy from hidden states, materialised and chunked: see chunked_ce_hidden.hpp.
#include "kernels/chunked_ce_hidden.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace softcheck::kernels {
namespace {

float logit(const HiddenCeProblem& p, std::size_t t, std::size_t v) {
  const float* h = p.hidden + t * p.dim;
  const float* w = p.classifier + v * p.dim;
  double sum = 0;
  for (std::size_t k = 0; k < p.dim; ++k) sum += static_cast<double>(h[k]) * w[k];
  return static_cast<float>(sum);
}

// Accumulates g into the gradients of token t and entry v (double accumulators).
void add_gradient(const HiddenCeProblem& p, std::size_t t, std::size_t v, double g,
                  std::vector<double>& grad_h, std::vector<double>& grad_w) {
  const float* h = p.hidden + t * p.dim;
  const float* w = p.classifier + v * p.dim;
  for (std::size_t k = 0; k < p.dim; ++k) {
    grad_h[t * p.dim + k] += g * w[k];
    grad_w[v * p.dim + k] += g * h[k];
  }
}

HiddenCeResult finish(const HiddenCeProblem& p, const std::vector<double>& grad_h,
                      const std::vector<double>& grad_w) {
  HiddenCeResult r;
  r.grad_hidden.assign(grad_h.begin(), grad_h.end());
  r.grad_classifier.assign(grad_w.begin(), grad_w.end());
  r.loss.resize(p.tokens);
  return r;
}

}  // namespace

HiddenCeResult hidden_ce_materialised(const HiddenCeProblem& p) {
  std::vector<float> logits(p.tokens * p.vocab), grad_logits(p.tokens * p.vocab);
  std::vector<double> loss(p.tokens);
  for (std::size_t t = 0; t < p.tokens; ++t) {
    float* z = logits.data() + t * p.vocab;
    for (std::size_t v = 0; v < p.vocab; ++v) z[v] = logit(p, t, v);
    const double m = *std::max_element(z, z + p.vocab);
    double s = 0;
    for (std::size_t v = 0; v < p.vocab; ++v) s += std::exp(z[v] - m);
    const auto y = static_cast<std::size_t>(p.targets[t]);
    loss[t] = (m - z[y]) + std::log(s);
    for (std::size_t v = 0; v < p.vocab; ++v)
      grad_logits[t * p.vocab + v] =
          static_cast<float>(std::exp(z[v] - m) / s - (v == y ? 1.0 : 0.0));
  }
  std::vector<double> grad_h(p.tokens * p.dim), grad_w(p.vocab * p.dim);
  for (std::size_t t = 0; t < p.tokens; ++t)
    for (std::size_t v = 0; v < p.vocab; ++v)
      add_gradient(p, t, v, grad_logits[t * p.vocab + v], grad_h, grad_w);
  HiddenCeResult r = finish(p, grad_h, grad_w);
  for (std::size_t t = 0; t < p.tokens; ++t) r.loss[t] = static_cast<float>(loss[t]);
  r.scratch_bytes = (logits.size() + grad_logits.size()) * sizeof(float);
  return r;
}

HiddenCeResult hidden_ce_chunked(const HiddenCeProblem& p, std::size_t block, double threshold) {
  std::vector<float> z(block);
  std::vector<double> grad_h(p.tokens * p.dim), grad_w(p.vocab * p.dim), loss(p.tokens);
  std::size_t skipped = 0;
  for (std::size_t t = 0; t < p.tokens; ++t) {
    const auto y = static_cast<std::size_t>(p.targets[t]);
    double big_m = -std::numeric_limits<double>::infinity(), big_s = 0;
    for (std::size_t b0 = 0; b0 < p.vocab; b0 += block) {  // pass 1: merged (max, sum)
      const std::size_t b1 = std::min(p.vocab, b0 + block);
      for (std::size_t v = b0; v < b1; ++v) z[v - b0] = logit(p, t, v);
      const double m = *std::max_element(z.begin(), z.begin() + (b1 - b0));
      double s = 0;
      for (std::size_t v = b0; v < b1; ++v) s += std::exp(z[v - b0] - m);
      if (m > big_m) {
        big_s = big_s * std::exp(big_m - m) + s;
        big_m = m;
      } else {
        big_s += s * std::exp(m - big_m);
      }
    }
    loss[t] = (big_m - logit(p, t, y)) + std::log(big_s);
    for (std::size_t b0 = 0; b0 < p.vocab; b0 += block) {  // pass 2: filtered gradients
      const std::size_t b1 = std::min(p.vocab, b0 + block);
      bool skip = true;
      for (std::size_t v = b0; v < b1; ++v) {
        z[v - b0] = logit(p, t, v);
        const double g = std::exp(z[v - b0] - big_m) / big_s - (v == y ? 1.0 : 0.0);
        skip &= std::fabs(g) < threshold;
      }
      if (skip) {
        ++skipped;
        continue;
      }
      for (std::size_t v = b0; v < b1; ++v) {
        const double g = std::exp(z[v - b0] - big_m) / big_s - (v == y ? 1.0 : 0.0);
        add_gradient(p, t, v, static_cast<float>(g), grad_h, grad_w);
      }
    }
  }
  HiddenCeResult r = finish(p, grad_h, grad_w);
  for (std::size_t t = 0; t < p.tokens; ++t) r.loss[t] = static_cast<float>(loss[t]);
  r.scratch_bytes = z.size() * sizeof(float);
  r.blocks_skipped = skipped;
  return r;
}

}  // namespace softcheck::kernels
