// The safe-step controller (src/training/safe_step.hpp) on a linear model z = x Wᵀ, where
// a = x (p/‖p‖)ᵀ is known in closed form: a proposal longer than ρa is rescaled to exactly
// ρa (along the same direction), a shorter one is applied unchanged (bit for bit), rho_set
// steps r·ρa, measure never changes the step; the recorded ρa is π/max spread of a and never
// above the certified exact radius (src/taylor_radius/certify.hpp). SGD, SGD + momentum and Adam.
// Random tensors come from torch's generator seeded with the test seed.
#define CATCH_CONFIG_PREFIX_ALL
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numbers>
#include <span>
#include <vector>

#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/types.h>  // tensors and their functions (not all of torch/torch.h)
#include <torch/utils.h>  // manual_seed, NoGradGuard

#include "training/safe_step.hpp"
#include "taylor_radius/batch.hpp"
#include "taylor_radius/certify.hpp"
#include "test_seed.hpp"

using softcheck::training::SafeStep;
using softcheck::training::SafeStepMode;
using softcheck::training::SafeStepOptions;

namespace {

struct LinearProblem {
  torch::Tensor x, y, w;
  LinearProblem() {
    torch::manual_seed(static_cast<std::uint64_t>(softcheck::testing::seed()));
    x = torch::randn({6, 4});
    y = torch::randint(0, 3, {6}, torch::kLong);
    w = (torch::randn({3, 4}) * 0.5).set_requires_grad(true);
  }
  torch::Tensor logits() const { return x.matmul(w.t()); }
  void backward() {
    if (w.grad().defined()) w.mutable_grad().zero_();
    torch::nll_loss(torch::log_softmax(logits(), 1), y).backward();
  }
};

// π / max_i (max_k a_ik − min_k a_ik) with a = x vᵀ, in double.
double expected_rho_a(const torch::Tensor& x, const torch::Tensor& v) {
  const torch::Tensor a = x.to(torch::kDouble).matmul(v.to(torch::kDouble).t());
  const double spread = (std::get<0>(a.max(1)) - std::get<0>(a.min(1))).max().item<double>();
  return std::numbers::pi / spread;
}

std::unique_ptr<torch::optim::Optimizer> make(const std::string& kind, torch::Tensor w, double lr) {
  if (kind == "sgd") return std::make_unique<torch::optim::SGD>(std::vector<torch::Tensor>{w}, torch::optim::SGDOptions(lr));
  if (kind == "momentum")
    return std::make_unique<torch::optim::SGD>(std::vector<torch::Tensor>{w},
                                               torch::optim::SGDOptions(lr).momentum(0.9));
  return std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{w}, torch::optim::AdamOptions(lr));
}

}  // namespace

CATCH_TEST_CASE("a proposal longer than rho_a is rescaled to exactly rho_a") {
  for (const std::string kind : {"sgd", "momentum", "adam"}) {
    CATCH_CAPTURE(kind);
    LinearProblem problem;
    auto optimizer = make(kind, problem.w, 100.0);  // a huge learning rate
    SafeStep control(*optimizer, {problem.w});
    for (int step = 0; step < 3; ++step) {
      problem.backward();
      const torch::Tensor theta0 = problem.w.detach().clone();
      const auto record = control.step([&] { return problem.logits(); });
      const torch::Tensor moved = problem.w.detach() - theta0;
      const double applied = moved.to(torch::kDouble).norm().item<double>();
      CATCH_REQUIRE(record.tau > record.rho_a);
      CATCH_CHECK(record.scale < 1.0);
      CATCH_CHECK(std::abs(applied - record.rho_a) <= 1e-5 * record.rho_a);
      CATCH_CHECK(std::abs(record.applied - record.rho_a) <= 1e-12 * record.rho_a);
      CATCH_CHECK(record.r == softcheck::taylor_radius::normalised_step(record.tau, record.rho_a));
      // the rho_a of the step's own direction, computed independently
      const double expected = expected_rho_a(problem.x, moved / applied);
      CATCH_CHECK(record.rho_a <= expected * (1 + 1e-6));
      CATCH_CHECK(record.rho_a >= expected * (1 - 1e-4));
      // never above the exact radius of any row (certified in Arb)
      const torch::Tensor z = control.last_logits().to(torch::kDouble).contiguous();
      const torch::Tensor a = control.last_directions().to(torch::kDouble).contiguous();
      for (std::int64_t i = 0; i < z.size(0); ++i) {
        const std::span<const double> zi(z.data_ptr<double>() + i * 3, 3), ai(a.data_ptr<double>() + i * 3, 3);
        const auto exact = softcheck::taylor_radius::certify_radius(zi, ai);
        CATCH_CHECK(record.rho_a <= exact.lo);
      }
    }
    CATCH_CHECK(control.history().size() == 3);
  }
}

CATCH_TEST_CASE("a proposal shorter than rho_a is applied unchanged") {
  for (const std::string kind : {"sgd", "momentum", "adam"}) {
    CATCH_CAPTURE(kind);
    LinearProblem controlled, plain;
    auto opt_controlled = make(kind, controlled.w, 1e-4);
    auto opt_plain = make(kind, plain.w, 1e-4);
    SafeStep control(*opt_controlled, {controlled.w});
    for (int step = 0; step < 3; ++step) {
      controlled.backward();
      plain.backward();
      const auto record = control.step([&] { return controlled.logits(); });
      opt_plain->step();
      CATCH_CHECK(record.tau < record.rho_a);
      CATCH_CHECK(record.scale == 1.0);
      CATCH_CHECK(torch::equal(controlled.w, plain.w));
    }
  }
}

CATCH_TEST_CASE("cap shortens a longer proposal to exactly the cap and leaves a shorter one") {
  for (const double lr : {100.0, 1e-4}) {
    CATCH_CAPTURE(lr);
    LinearProblem problem, plain;
    SafeStepOptions options;
    options.mode = SafeStepMode::cap;
    options.cap = 0.01;
    auto optimizer = make("adam", problem.w, lr);
    auto opt_plain = make("adam", plain.w, lr);
    SafeStep control(*optimizer, {problem.w}, options);
    problem.backward();
    plain.backward();
    const torch::Tensor theta0 = problem.w.detach().clone();
    const auto record = control.step([&] { return problem.logits(); });
    opt_plain->step();
    const double applied = (problem.w.detach() - theta0).to(torch::kDouble).norm().item<double>();
    CATCH_CHECK(std::isfinite(record.rho_a));  // still measured
    // Adam's first step moves each of the 12 weights by about lr.
    CATCH_REQUIRE((record.tau > options.cap) == (lr > 1.0));
    if (record.tau > options.cap) {
      CATCH_CHECK(std::abs(applied - options.cap) <= 1e-5 * options.cap);
      CATCH_CHECK(std::abs(record.applied - options.cap) <= 1e-12 * options.cap);
    } else {
      CATCH_CHECK(record.scale == 1.0);
      CATCH_CHECK(torch::equal(problem.w, plain.w));
    }
  }
}

CATCH_TEST_CASE("rho_set steps r rho_a; measure never changes the step") {
  LinearProblem problem, plain;
  SafeStepOptions options;
  options.mode = SafeStepMode::rho_set;
  options.r_set = 0.5;
  auto optimizer = make("sgd", problem.w, 1e-3);
  SafeStep control(*optimizer, {problem.w}, options);
  problem.backward();
  const torch::Tensor theta0 = problem.w.detach().clone();
  const auto record = control.step([&] { return problem.logits(); });
  const double applied = (problem.w.detach() - theta0).to(torch::kDouble).norm().item<double>();
  CATCH_CHECK(std::abs(applied - 0.5 * record.rho_a) <= 1e-5 * record.rho_a);

  options.mode = SafeStepMode::measure;
  LinearProblem measured;
  auto opt_measured = make("adam", measured.w, 10.0);
  auto opt_plain = make("adam", plain.w, 10.0);
  SafeStep measure(*opt_measured, {measured.w}, options);
  measured.backward();
  plain.backward();
  const auto m = measure.step([&] { return measured.logits(); });
  opt_plain->step();
  CATCH_CHECK(m.scale == 1.0);
  CATCH_CHECK(m.r > 1.0);
  CATCH_CHECK(torch::equal(measured.w, plain.w));
}
