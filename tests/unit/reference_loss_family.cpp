// The loss-family references (loss_family_reference.hpp) against closed forms and each other:
// comp-sum at tau = 1 is the cross-entropy reference, at tau = 2 it is 1 - softmax_y, at
// tau = 0 it is u; the temperature loss at T = 1 is the cross-entropy; two working-precision
// schedules agree; equal logits give the rational values; special values follow README.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/format.hpp"
#include "reference/loss_family_reference.hpp"
#include "reference/reference.hpp"
#include "test_seed.hpp"
#include "test_values.hpp"

using namespace softcheck;
using reference::evaluate_loss_row;
using reference::LossKind;

using softcheck::test::kInf;

namespace {

std::vector<double> random_row(std::mt19937_64& rng, std::size_t n, double scale, Format format) {
  std::normal_distribution<double> normal(0.0, scale);
  std::vector<double> x(n);
  for (double& v : x) v = format == Format::f32 ? static_cast<float>(normal(rng)) : normal(rng);
  return x;
}

LossParameters tau(double t) { return {.tau = t}; }

}  // namespace

TEST_CASE("comp-sum at tau = 1 and the temperature loss at T = 1 are the cross-entropy") {
  std::mt19937_64 rng(softcheck::testing::seed());
  for (Format format : {Format::f64, Format::f32}) {
    for (int trial = 0; trial < 40; ++trial) {
      const auto x = random_row(rng, 2 + trial % 7, 1.0 + trial, format);
      const std::size_t y = trial % x.size();
      const auto ce = reference::evaluate_row(x, format, y);
      for (const auto& got : {evaluate_loss_row(LossKind::comp_sum, tau(1.0), x, format, y),
                              evaluate_loss_row(LossKind::temperature_cross_entropy, {}, x, format, y)}) {
        CHECK(got.loss.rounded == ce.ce_loss.rounded);
        for (std::size_t i = 0; i < x.size(); ++i)
          CHECK(got.gradient[i].rounded == ce.ce_gradient[i].rounded);
      }
    }
  }
}

TEST_CASE("comp-sum at tau = 2 is 1 - softmax_y and at tau = 0 is u") {
  std::mt19937_64 rng(softcheck::testing::seed() + 1);
  for (int trial = 0; trial < 30; ++trial) {
    const auto x = random_row(rng, 2 + trial % 5, 2.0, Format::f64);
    const std::size_t y = trial % x.size();
    long double z = 0, u = 0;
    for (double v : x) z += std::exp(static_cast<long double>(v) - x[y]);
    u = z - 1;
    const auto mae = evaluate_loss_row(LossKind::comp_sum, tau(2.0), x, Format::f64, y);
    CHECK(mae.loss.rounded == Approx(static_cast<double>(1 - 1 / z)).epsilon(1e-14));
    const auto sumexp = evaluate_loss_row(LossKind::comp_sum, tau(0.0), x, Format::f64, y);
    CHECK(sumexp.loss.rounded == Approx(static_cast<double>(u)).epsilon(1e-14));
    // grad at tau = 0: e^(x_j - x_y) for j != y, -u at y.
    for (std::size_t j = 0; j < x.size(); ++j)
      if (j != y) CHECK(sumexp.gradient[j].rounded == Approx(std::exp(x[j] - x[y])).epsilon(1e-13));
    CHECK(sumexp.gradient[y].rounded == Approx(-static_cast<double>(u)).epsilon(1e-13));
  }
}

TEST_CASE("equal logits give the rational comp-sum values exactly") {
  for (std::size_t k : {2u, 3u, 4u, 16u}) {
    const std::vector<double> x(k, 0.75);
    const double kk = static_cast<double>(k);
    for (Format format : {Format::f64, Format::f32}) {
      const auto r0 = evaluate_loss_row(LossKind::comp_sum, tau(0.0), x, format, 0);
      CHECK(r0.loss.rounded == kk - 1);
      CHECK(r0.gradient[1].rounded == 1.0);
      CHECK(r0.gradient[0].rounded == -(kk - 1));
      const auto r2 = evaluate_loss_row(LossKind::comp_sum, tau(2.0), x, format, 0);
      CHECK(r2.loss.rounded == round_to_format((kk - 1) / kk, format));
      CHECK(r2.gradient[1].rounded == round_to_format(1 / (kk * kk), format));
      const auto r05 = evaluate_loss_row(LossKind::comp_sum, tau(0.5), x, format, 0);
      // 2 (sqrt k - 1): an exact integer for square k, else within one ulp of the double
      // evaluation (whose sqrt error the subtraction magnifies).
      CHECK(r05.loss.rounded == Approx(2 * (std::sqrt(kk) - 1)).epsilon(epsilon(format)));
      if (k == 4 || k == 16) CHECK(r05.loss.rounded == 2 * (std::sqrt(kk) - 1));
    }
  }
}

TEST_CASE("two working-precision schedules give the same loss-family results") {
  std::mt19937_64 rng(softcheck::testing::seed() + 2);
  reference::ReferenceOptions tight;
  tight.initial_precision = 8;
  for (int trial = 0; trial < 30; ++trial) {
    const Format format = trial % 2 ? Format::f32 : Format::f64;
    const auto x = random_row(rng, 1 + trial % 6, 5.0, format);
    const std::size_t y = trial % x.size();
    for (LossKind kind : {LossKind::comp_sum, LossKind::sigmoid_bce, LossKind::temperature_cross_entropy}) {
      const LossParameters p{.tau = 0.5 * (trial % 5), .temperature = trial % 3 ? 0.25 : 10.0};
      const auto a = evaluate_loss_row(kind, p, x, format, y);
      const auto b = evaluate_loss_row(kind, p, x, format, y, tight);
      CHECK(a.loss.rounded == b.loss.rounded);
      for (std::size_t i = 0; i < x.size(); ++i) CHECK(a.gradient[i].rounded == b.gradient[i].rounded);
    }
  }
}

TEST_CASE("sigmoid BCE matches the closed form") {
  const std::vector<double> x{0.0, 2.0, -3.0};
  const auto r = evaluate_loss_row(LossKind::sigmoid_bce, {}, x, Format::f64, 1);
  const double expected = std::log(2.0) + std::log1p(std::exp(-2.0)) + std::log1p(std::exp(-3.0));
  CHECK(r.loss.rounded == Approx(expected).epsilon(1e-15));
  CHECK(r.gradient[0].rounded == 0.5);
  CHECK(r.gradient[1].rounded == Approx(-1 / (1 + std::exp(2.0))).epsilon(1e-15));
  CHECK(r.gradient[2].rounded == Approx(1 / (1 + std::exp(3.0))).epsilon(1e-15));
}

TEST_CASE("loss-family special values") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Softmax-based: a NaN or +inf makes everything NaN; a masked target gives Phi(inf).
  CHECK(std::isnan(evaluate_loss_row(LossKind::comp_sum, tau(0.5), std::vector{1.0, nan}, Format::f32, 0).loss.rounded));
  CHECK(std::isnan(evaluate_loss_row(LossKind::temperature_cross_entropy, {.temperature = 2}, std::vector{1.0, kInf}, Format::f32, 0).gradient[0].rounded));
  const std::vector<double> masked{-kInf, 1.0, -kInf};
  const auto low = evaluate_loss_row(LossKind::comp_sum, tau(0.5), masked, Format::f64, 0);
  CHECK(low.loss.rounded == kInf);
  CHECK(low.gradient[0].rounded == -kInf);
  CHECK(low.gradient[1].rounded == kInf);
  CHECK(low.gradient[2].rounded == 0.0);
  const auto high = evaluate_loss_row(LossKind::comp_sum, tau(1.5), masked, Format::f64, 0);
  CHECK(high.loss.rounded == 2.0);
  CHECK(high.gradient[1].rounded == 0.0);
  const auto temp = evaluate_loss_row(LossKind::temperature_cross_entropy, {.temperature = 0.5}, masked, Format::f64, 0);
  CHECK(temp.loss.rounded == kInf);
  CHECK(temp.gradient[0].rounded == -2.0);
  CHECK(temp.gradient[1].rounded == 2.0);
  // BCE: elementwise limits.
  const auto bce = evaluate_loss_row(LossKind::sigmoid_bce, {}, std::vector{kInf, -kInf, 0.0}, Format::f64, 1);
  CHECK(bce.loss.rounded == kInf);
  CHECK(bce.gradient[0].rounded == 1.0);
  CHECK(bce.gradient[1].rounded == -1.0);
  CHECK(bce.gradient[2].rounded == 0.5);
  // Empty row: loss NaN; bad parameters throw.
  CHECK(std::isnan(evaluate_loss_row(LossKind::comp_sum, tau(1), std::vector<double>{}, Format::f64, 0).loss.rounded));
  CHECK_THROWS_AS(evaluate_loss_row(LossKind::comp_sum, tau(3), std::vector{1.0}, Format::f64, 0), std::invalid_argument);
}
