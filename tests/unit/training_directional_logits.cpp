// directional_logits (src/training/directional_logits.hpp): the double-backward J_z·v matches
// central finite differences of the logits along v, for a small tanh MLP with LayerNorm in
// f64, and is linear in v; parameters the logits ignore contribute nothing. Random tensors come
// from torch's generator seeded with the test seed.
#define CATCH_CONFIG_PREFIX_ALL
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include <torch/types.h>  // tensors and their functions (not all of torch/torch.h)
#include <torch/utils.h>  // manual_seed, NoGradGuard

#include "training/directional_logits.hpp"
#include "test_seed.hpp"

using softcheck::training::directional_logits;

namespace {

struct Net {
  std::vector<torch::Tensor> params;
  Net() {
    auto opt = torch::TensorOptions().dtype(torch::kDouble);
    params = {torch::randn({5, 4}, opt), torch::randn({5}, opt), torch::randn({3, 5}, opt),
              torch::randn({3}, opt)};
    for (auto& p : params) p.set_requires_grad(true);
  }
  torch::Tensor logits(const torch::Tensor& x, const std::vector<torch::Tensor>& w) const {
    const torch::Tensor h = torch::layer_norm(torch::tanh(x.matmul(w[0].t()) + w[1]), {5});
    return h.matmul(w[2].t()) + w[3];
  }
};

std::vector<torch::Tensor> random_like(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> v;
  for (const auto& p : params) v.push_back(torch::randn_like(p));
  return v;
}

}  // namespace

CATCH_TEST_CASE("J_z v matches central finite differences") {
  torch::manual_seed(static_cast<std::uint64_t>(softcheck::testing::seed()));
  const Net net;
  const torch::Tensor x = torch::randn({7, 4}, torch::kDouble);
  const auto v = random_like(net.params);
  const torch::Tensor a = directional_logits(net.logits(x, net.params), net.params, v);
  CATCH_REQUIRE(a.sizes() == torch::IntArrayRef({7, 3}));
  const double h = 1e-5;
  std::vector<torch::Tensor> plus, minus;
  {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < v.size(); ++i) {
      plus.push_back(net.params[i] + h * v[i]);
      minus.push_back(net.params[i] - h * v[i]);
    }
  }
  const torch::Tensor fd = (net.logits(x, plus) - net.logits(x, minus)).detach() / (2 * h);
  const double error = (a - fd).abs().max().item<double>();
  CATCH_CHECK(error <= 1e-7 * (1 + fd.abs().max().item<double>()));
}

CATCH_TEST_CASE("J_z v is linear in v and ignores unused parameters") {
  torch::manual_seed(static_cast<std::uint64_t>(softcheck::testing::seed()) + 1);
  const Net net;
  const torch::Tensor x = torch::randn({4, 4}, torch::kDouble);
  const auto v1 = random_like(net.params), v2 = random_like(net.params);
  std::vector<torch::Tensor> sum;
  for (std::size_t i = 0; i < v1.size(); ++i) sum.push_back(2.0 * v1[i] - v2[i]);
  const auto a1 = directional_logits(net.logits(x, net.params), net.params, v1);
  const auto a2 = directional_logits(net.logits(x, net.params), net.params, v2);
  const auto a3 = directional_logits(net.logits(x, net.params), net.params, sum);
  CATCH_CHECK(torch::allclose(a3, 2.0 * a1 - a2, 1e-10, 1e-10));

  std::vector<torch::Tensor> with_unused = net.params, v_unused = v1;
  with_unused.push_back(torch::randn({2}, torch::kDouble).set_requires_grad(true));
  v_unused.push_back(torch::randn({2}, torch::kDouble));
  const auto a4 = directional_logits(net.logits(x, net.params), with_unused, v_unused);
  CATCH_CHECK(torch::allclose(a4, a1, 1e-12, 1e-12));
}
