// ⊥Grad (src/training/perp_grad.hpp): the projected gradient is orthogonal to its parameter
// tensor and keeps the gradient's length; the guards leave g unchanged; SGD steps with ⊥Grad
// grow ‖w‖ only at second order in the learning rate; the wrapper drives SGD and Adam, with
// and without a closure. Random tensors come from torch's generator seeded with the test seed.
// libtorch's headers bring glog's CHECK macro, which replaces Catch's; so Catch's macros are
// used with their CATCH_ prefix here.
#define CATCH_CONFIG_PREFIX_ALL
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include "training/perp_grad.hpp"
#include "test_seed.hpp"

using softcheck::training::PerpGrad;
using softcheck::training::perpendicular_gradient;
using softcheck::training::project_gradients;

namespace {

double dot64(const torch::Tensor& a, const torch::Tensor& b) {
  return a.reshape({-1}).to(torch::kDouble).dot(b.reshape({-1}).to(torch::kDouble)).item<double>();
}
double norm64(const torch::Tensor& a) { return std::sqrt(dot64(a, a)); }

double unit_roundoff(torch::ScalarType type) {
  return type == torch::kFloat ? std::ldexp(1.0, -24) : std::ldexp(1.0, -53);
}

void seed_torch() { torch::manual_seed(static_cast<std::uint64_t>(softcheck::testing::seed())); }

// A parameter tensor with a gradient, as autograd leaves them.
torch::Tensor parameter_with_grad(const torch::Tensor& w, const torch::Tensor& g) {
  torch::Tensor p = w.clone().set_requires_grad(true);
  p.mutable_grad() = g.clone();
  return p;
}

}  // namespace

CATCH_TEST_CASE("perpendicular_gradient is orthogonal to w and keeps the length of g") {
  seed_torch();
  for (const torch::ScalarType type : {torch::kFloat, torch::kDouble}) {
    for (const std::vector<std::int64_t>& shape :
         {std::vector<std::int64_t>{7}, {200, 226}, {113, 200}, {3, 4, 5}}) {
      const torch::Tensor w = torch::randn(shape, torch::dtype(type));
      // A gradient with a large radial part, as near softmax collapse.
      const torch::Tensor g = torch::randn(shape, torch::dtype(type)) + 5 * w;
      const torch::Tensor p = perpendicular_gradient(w, g);
      CATCH_CAPTURE(type, shape);
      CATCH_REQUIRE(p.sizes() == g.sizes());
      CATCH_REQUIRE(p.scalar_type() == type);
      const double u = unit_roundoff(type);
      const double n = static_cast<double>(w.numel());
      // Orthogonal, and of length ‖g‖, to rounding: in f32 the one rounding of the f64 result
      // dominates; in f64 the f64 arithmetic (including that of dot64 and norm64 here), whose
      // errors grow with the length n of the sums and with the cancelled radial part (5w).
      const double tol = type == torch::kFloat ? 4 * std::sqrt(n) * u : 64 * n * u;
      CATCH_CHECK(std::abs(dot64(p, w)) <= tol * norm64(p) * norm64(w));
      CATCH_CHECK(std::abs(norm64(p) - norm64(g)) <= tol * norm64(g));
      // The radial part really was removed: g itself was far from orthogonal.
      CATCH_CHECK(std::abs(dot64(g, w)) > 0.5 * norm64(g) * norm64(w));
    }
  }
}

CATCH_TEST_CASE("perpendicular_gradient leaves g unchanged where a guard applies") {
  const torch::Tensor w = torch::tensor({1.0, -2.0, 3.0, 0.5});
  CATCH_SECTION("w = 0") {
    const torch::Tensor g = torch::tensor({1.0, 2.0, 3.0, 4.0});
    CATCH_CHECK(torch::equal(perpendicular_gradient(torch::zeros_like(g), g), g));
  }
  CATCH_SECTION("g parallel to w: g⊥ = 0") {
    const torch::Tensor g = 2 * w;  // w·g / w·w = 2 exactly, g − 2w = 0 exactly
    CATCH_CHECK(torch::equal(perpendicular_gradient(w, g), g));
  }
  CATCH_SECTION("g = 0") {
    const torch::Tensor g = torch::zeros_like(w);
    CATCH_CHECK(torch::equal(perpendicular_gradient(w, g), g));
  }
  CATCH_SECTION("non-finite g") {
    const torch::Tensor g =
        torch::tensor({1.0, std::numeric_limits<double>::quiet_NaN(), 0.0, 0.0});
    CATCH_CHECK(torch::equal(perpendicular_gradient(w, g).isnan(), g.isnan()));
  }
}

CATCH_TEST_CASE("project_gradients rewrites gradients in place and skips undefined ones") {
  seed_torch();
  const torch::Tensor w = torch::randn({5, 6});
  const torch::Tensor g = torch::randn({5, 6}) - 3 * w;
  torch::Tensor with_grad = parameter_with_grad(w, g);
  torch::Tensor without_grad = torch::randn({4}).set_requires_grad(true);
  project_gradients({with_grad, without_grad});
  CATCH_CHECK(torch::allclose(with_grad.grad(), perpendicular_gradient(w, g)));
  CATCH_CHECK_FALSE(without_grad.grad().defined());
}

CATCH_TEST_CASE("SGD with ⊥Grad grows ‖w‖ only at second order in the learning rate") {
  seed_torch();
  const torch::Tensor w0 = torch::randn({50, 40}, torch::kDouble);
  const torch::Tensor g0 = torch::randn({50, 40}, torch::kDouble) - 2 * w0;  // w·g < 0
  for (const double lr : {1e-2, 1e-3, 1e-4}) {
    CATCH_CAPTURE(lr);
    torch::Tensor plain = parameter_with_grad(w0, g0);
    torch::optim::SGD plain_sgd({plain}, torch::optim::SGDOptions(lr));
    plain_sgd.step();

    torch::Tensor perp = parameter_with_grad(w0, g0);
    torch::optim::SGD perp_sgd({perp}, torch::optim::SGDOptions(lr));
    PerpGrad wrapped(perp_sgd);
    wrapped.step();

    const double before = dot64(w0, w0);
    const double second_order = lr * lr * dot64(g0, g0);  // ‖w − lr·g⊥‖² − ‖w‖² exactly
    const double growth_plain = dot64(plain, plain) - before;
    const double growth_perp = dot64(perp, perp) - before;
    // Plain SGD grows ‖w‖² at first order (−2·lr·w·g > 0 here); ⊥Grad only by lr²‖g‖²,
    // up to rounding of ‖w‖² itself.
    CATCH_CHECK(growth_plain > 10 * second_order);
    CATCH_CHECK(growth_perp >= 0.0 - 1e-12 * before);
    CATCH_CHECK(std::abs(growth_perp - second_order) <= 1e-3 * second_order + 1e-12 * before);
  }
}

CATCH_TEST_CASE("⊥Grad keeps ‖w‖ from growing over many SGD steps on a separable problem") {
  // Logistic regression on separable data: plain gradient descent grows ‖w‖ without bound
  // (the loss falls by scaling w). With ⊥Grad each step adds at most lr²‖g‖² to ‖w‖².
  seed_torch();
  const torch::Tensor x = torch::randn({64, 8}, torch::kDouble);
  const torch::Tensor y = (x.select(1, 0) > 0).to(torch::kDouble);
  const torch::Tensor w_init = torch::randn({8}, torch::kDouble);
  torch::Tensor w = w_init.clone().set_requires_grad(true);
  torch::optim::SGD sgd({w}, torch::optim::SGDOptions(0.05));
  PerpGrad wrapped(sgd);
  double bound = dot64(w_init, w_init);
  for (int step = 0; step < 200; ++step) {
    wrapped.zero_grad();
    const torch::Tensor z = x.matmul(w);
    const torch::Tensor loss =
        torch::binary_cross_entropy_with_logits(z, y);  // mean over the 64 samples
    loss.backward();
    bound += 0.05 * 0.05 * dot64(w.grad(), w.grad());
    wrapped.step();
  }
  CATCH_CHECK(dot64(w, w) <= bound * (1 + 1e-12));
}

CATCH_TEST_CASE("the wrapper drives Adam and SGD, with and without a closure") {
  seed_torch();
  const torch::Tensor target = torch::randn({10, 3});
  auto make_param = [] { return torch::randn({10, 3}).set_requires_grad(true); };
  auto loss_of = [&](const torch::Tensor& p) { return (p - target).pow(2).sum(); };

  CATCH_SECTION("Adam, no closure") {
    torch::Tensor p = make_param();
    const torch::Tensor before = p.detach().clone();
    torch::optim::Adam adam({p}, torch::optim::AdamOptions(1e-2));
    PerpGrad wrapped(adam);
    wrapped.zero_grad();
    loss_of(p).backward();
    wrapped.step();
    CATCH_CHECK(std::abs(dot64(p.grad(), before)) <= 1e-5 * norm64(p.grad()) * norm64(before));
    CATCH_CHECK_FALSE(torch::equal(p.detach(), before));
    CATCH_CHECK(adam.state().size() == 1);  // Adam kept its moments for the parameter
  }
  CATCH_SECTION("Adam and SGD, with a closure") {
    torch::Tensor a = make_param();
    torch::Tensor b = make_param();
    torch::optim::Adam adam({a}, torch::optim::AdamOptions(1e-2));
    torch::optim::SGD sgd({b}, torch::optim::SGDOptions(1e-2).momentum(0.5));
    for (torch::optim::Optimizer* inner : {static_cast<torch::optim::Optimizer*>(&adam),
                                          static_cast<torch::optim::Optimizer*>(&sgd)}) {
      torch::Tensor& p = inner == &adam ? a : b;
      const torch::Tensor before = p.detach().clone();
      PerpGrad wrapped(*inner);
      const torch::Tensor loss = wrapped.step([&] {
        wrapped.zero_grad();
        torch::Tensor l = loss_of(p);
        l.backward();
        return l;
      });
      CATCH_CHECK(loss.item<double>() > 0);
      CATCH_CHECK(std::abs(dot64(p.grad(), before)) <= 1e-5 * norm64(p.grad()) * norm64(before));
      CATCH_CHECK_FALSE(torch::equal(p.detach(), before));
    }
  }
}
