// softcheck_cross_entropy (src/training/softcheck_cross_entropy.hpp): softcheck's fused f32
// kernel as an autograd function gives libtorch's cross-entropy values and gradients (within
// a few f32 ulps), for ordinary and for confident rows, and rejects unknown or non-CE kernels.
#define CATCH_CONFIG_PREFIX_ALL
#include <catch2/catch.hpp>
#include <cstdint>
#include <stdexcept>

#include <torch/types.h>  // tensors and their functions (not all of torch/torch.h)
#include <torch/utils.h>  // manual_seed, NoGradGuard

#include "training/softcheck_cross_entropy.hpp"
#include "test_seed.hpp"

using softcheck::training::softcheck_cross_entropy;

CATCH_TEST_CASE("softcheck cross-entropy matches libtorch's value and gradient") {
  torch::manual_seed(static_cast<std::uint64_t>(softcheck::testing::seed()));
  for (double scale : {1.0, 10.0, 40.0}) {
    CATCH_CAPTURE(scale);
    const torch::Tensor base = torch::randn({32, 10}) * scale;
    const torch::Tensor y = torch::randint(0, 10, {32}, torch::kLong);
    const torch::Tensor weights = torch::rand({32});
    const torch::Tensor z1 = base.clone().set_requires_grad(true);
    const torch::Tensor z2 = base.clone().set_requires_grad(true);
    const torch::Tensor ours = softcheck_cross_entropy(z1, y);
    const torch::Tensor theirs = torch::nll_loss(torch::log_softmax(z2, 1), y, {}, at::Reduction::None);
    CATCH_CHECK(torch::allclose(ours, theirs, 1e-5, 1e-6));
    (ours * weights).sum().backward();
    (theirs * weights).sum().backward();
    CATCH_CHECK(torch::allclose(z1.grad(), z2.grad(), 1e-5, 1e-6));
  }
}

CATCH_TEST_CASE("softcheck cross-entropy rejects unknown and non-cross-entropy kernels") {
  const torch::Tensor z = torch::zeros({2, 3});
  const torch::Tensor y = torch::zeros({2}, torch::kLong);
  CATCH_CHECK_THROWS_AS(softcheck_cross_entropy(z, y, "builtin/cross_entropy/f32/no-such"),
                        std::invalid_argument);
  CATCH_CHECK_THROWS_AS(softcheck_cross_entropy(z, y, "builtin/softmax/f32/two-pass"),
                        std::invalid_argument);
}
