// Hand-checked values of the correctly rounded references: the special-value table, signed
// zeros, subnormal outputs, rows that overflow exp without max subtraction, exact cases.
// Expected constants were computed with mpmath at 3000 bits and rounded by hand.
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/format.hpp"
#include "reference/reference.hpp"
#include "test_values.hpp"

using namespace softcheck;
using reference::evaluate_row;
using reference::Exact;
using reference::RowReference;

using softcheck::test::kInf;
using softcheck::test::kNaN;
using softcheck::test::same_bits;

namespace {

// A non-finite or exact result: rounded, exact_hi carry the same bits and exact_lo is 0.
bool is_exactly(const Exact& e, double v) {
  return same_bits(e.rounded, v) && same_bits(e.exact_hi, v) && e.exact_lo == 0.0;
}

bool all_exactly(const std::vector<Exact>& values, double v) {
  for (const Exact& e : values)
    if (!is_exactly(e, v)) return false;
  return true;
}

RowReference eval(std::vector<double> x, Format f, std::size_t target) {
  return evaluate_row(x, f, target);
}

}  // namespace

TEST_CASE("special-value table") {
  for (Format f : kAllFormats) {
    INFO("format " << name(f));
    SECTION("empty row") {
      const RowReference r = evaluate_row({}, f, 0);
      CHECK(r.softmax.empty());
      CHECK(r.log_softmax.empty());
      CHECK(r.ce_gradient.empty());
      CHECK(is_exactly(r.logsumexp, -kInf));
      CHECK(is_exactly(r.ce_loss, kNaN));
    }
    SECTION("any NaN") {
      for (auto x : {std::vector<double>{1.0, kNaN, 2.0}, std::vector<double>{kNaN, kInf, -kInf},
                     std::vector<double>{kNaN}}) {
        const RowReference r = eval(x, f, 0);
        CHECK(all_exactly(r.softmax, kNaN));
        CHECK(all_exactly(r.log_softmax, kNaN));
        CHECK(all_exactly(r.ce_gradient, kNaN));
        CHECK(r.softmax.size() == x.size());
        CHECK(is_exactly(r.logsumexp, kNaN));
        CHECK(is_exactly(r.ce_loss, kNaN));
      }
    }
    SECTION("any +inf, no NaN") {
      for (auto x : {std::vector<double>{1.0, kInf, 2.0}, std::vector<double>{kInf, -kInf}}) {
        const RowReference r = eval(x, f, 1);
        CHECK(all_exactly(r.softmax, kNaN));
        CHECK(all_exactly(r.log_softmax, kNaN));
        CHECK(all_exactly(r.ce_gradient, kNaN));
        CHECK(is_exactly(r.logsumexp, kInf));
        CHECK(is_exactly(r.ce_loss, kNaN));
      }
    }
    SECTION("all -inf (fully masked)") {
      const RowReference r = eval({-kInf, -kInf, -kInf}, f, 2);
      CHECK(r.softmax.size() == 3);
      CHECK(all_exactly(r.softmax, kNaN));
      CHECK(all_exactly(r.log_softmax, kNaN));
      CHECK(all_exactly(r.ce_gradient, kNaN));
      CHECK(is_exactly(r.logsumexp, -kInf));
      CHECK(is_exactly(r.ce_loss, kNaN));
    }
    SECTION("some -inf, target finite") {
      const RowReference r = eval({-kInf, 0.0, -kInf, 0.0}, f, 1);
      CHECK(is_exactly(r.softmax[0], 0.0));
      CHECK(is_exactly(r.softmax[1], 0.5));
      CHECK(is_exactly(r.softmax[3], 0.5));
      CHECK(is_exactly(r.log_softmax[0], -kInf));
      CHECK(is_exactly(r.log_softmax[2], -kInf));
      CHECK(is_exactly(r.ce_gradient[0], 0.0));
      CHECK(is_exactly(r.ce_gradient[1], -0.5));
      CHECK(is_exactly(r.ce_gradient[3], 0.5));
      CHECK(r.logsumexp.rounded == round_to_format(std::log(2.0), f));
      CHECK(r.ce_loss.rounded == round_to_format(std::log(2.0), f));
    }
    SECTION("some -inf, target masked") {
      const RowReference r = eval({0.0, -kInf, 1.0}, f, 1);
      CHECK(is_exactly(r.ce_loss, kInf));
      CHECK(is_exactly(r.ce_gradient[1], -1.0));
      CHECK(is_exactly(r.softmax[1], 0.0));
      CHECK(is_exactly(r.log_softmax[1], -kInf));
      CHECK(r.ce_gradient[0].rounded == r.softmax[0].rounded);
      CHECK(r.ce_gradient[2].rounded == r.softmax[2].rounded);
      CHECK(std::isfinite(r.logsumexp.rounded));
    }
    SECTION("a single finite entry: exact zeros are +0") {
      for (double v : {0.0, -0.0, 1.5, -3.0, max_finite(f), -max_finite(f), denorm_min(f)}) {
        INFO("value " << v);
        const RowReference r = eval({-kInf, v, -kInf}, f, 1);
        CHECK(is_exactly(r.softmax[1], 1.0));
        CHECK(is_exactly(r.log_softmax[1], 0.0));
        CHECK(is_exactly(r.ce_gradient[1], 0.0));
        CHECK(is_exactly(r.ce_loss, 0.0));
        CHECK(is_exactly(r.logsumexp, v == 0.0 ? 0.0 : v));
        CHECK(is_exactly(r.softmax[0], 0.0));
      }
    }
  }
}

TEST_CASE("n equal logits: softmax is 1/n, exact when n is a power of two") {
  for (Format f : kAllFormats) {
    const RowReference r4 = eval({3.0, 3.0, 3.0, 3.0}, f, 2);
    CHECK(all_exactly(r4.softmax, 0.25));
    CHECK(is_exactly(r4.ce_gradient[2], -0.75));
    CHECK(is_exactly(r4.ce_gradient[0], 0.25));
    CHECK(r4.log_softmax[0].rounded == round_to_format(-std::log(4.0), f));
    const RowReference r3 = eval({-1.0, -1.0, -1.0}, f, 0);
    CHECK(r3.softmax[1].rounded == round_to_format(1.0 / 3.0, f));
    CHECK(r3.ce_gradient[0].rounded == round_to_format(-2.0 / 3.0, f));
    CHECK(r3.softmax[1].exact_hi == 1.0 / 3.0);
  }
}

TEST_CASE("subnormal outputs in every format") {
  // f16 [0, -12]: softmax_1 = 6.1441746e-6 = 103.08 * 2^-24, subnormal in f16.
  RowReference r = eval({0.0, -12.0}, Format::f16, 0);
  CHECK(r.softmax[1].rounded == 103 * 0x1p-24);
  CHECK(r.softmax[1].rounded == 0x1.9cp-18);
  CHECK(r.softmax[0].rounded == 1.0);
  CHECK(r.ce_gradient[0].rounded == -0x1.9cp-18);
  CHECK(r.logsumexp.rounded == 0x1.9cp-18);
  CHECK(r.log_softmax[1].rounded == -12.0);
  CHECK(r.softmax[1].exact_hi == Approx(6.144174602214718e-06).epsilon(1e-15));

  // bf16 and f32 [0, -90]: 8.194e-40 = 8.92 * 2^-133 (bf16), 584,624 * 2^-149 (f32).
  r = eval({0.0, -90.0}, Format::bf16, 0);
  CHECK(r.softmax[1].rounded == 0x1.2p-130);
  CHECK(r.ce_gradient[0].rounded == -0x1.2p-130);
  r = eval({0.0, -90.0}, Format::f32, 0);
  CHECK(r.softmax[1].rounded == 0x1.1d85p-130);
  CHECK(r.logsumexp.rounded == 0x1.1d85p-130);

  // f64 [0, -720]: 2.0322e-313, subnormal in double.
  r = eval({0.0, -720.0}, Format::f64, 0);
  CHECK(r.softmax[1].rounded == 0x0.0000993b4dc95p-1022);
  CHECK(r.ce_gradient[0].rounded == -0x0.0000993b4dc95p-1022);
  CHECK(r.ce_loss.rounded == 0x0.0000993b4dc95p-1022);
  CHECK(r.softmax[1].exact_lo == 0.0);
}

TEST_CASE("underflow to signed zero") {
  // f16 [0, -30]: softmax_1 = 9.36e-14 and the target gradient -9.36e-14 underflow.
  RowReference r = eval({0.0, -30.0}, Format::f16, 0);
  CHECK(is_exactly(r.softmax[1], 0.0) == false);  // exact_hi keeps the double value
  CHECK(same_bits(r.softmax[1].rounded, 0.0));
  CHECK(same_bits(r.ce_gradient[0].rounded, -0.0));
  CHECK(same_bits(r.logsumexp.rounded, 0.0));
  CHECK(same_bits(r.ce_loss.rounded, 0.0));
  CHECK(same_bits(r.log_softmax[0].rounded, -0.0));
  CHECK(r.ce_gradient[0].exact_hi == Approx(-9.357622968839299e-14).epsilon(1e-15));

  // f64 [0, -800]: e^-800 is below the double range; the exact value is still negative.
  r = eval({0.0, -800.0}, Format::f64, 0);
  CHECK(is_exactly(r.ce_gradient[0], -0.0));
  CHECK(is_exactly(r.softmax[1], 0.0));
  CHECK(is_exactly(r.logsumexp, 0.0));

  // Gaps beyond MPFR's exponent range: exp(-2^1024) is not representable even in MPFR.
  r = eval({max_finite(Format::f64), -max_finite(Format::f64)}, Format::f64, 0);
  // (exact_lo carries the enclosure's error, far below 2^-106 relative: not checked here.)
  CHECK(r.softmax[0].rounded == 1.0);
  CHECK(r.softmax[0].exact_hi == 1.0);
  CHECK(std::fabs(r.softmax[0].exact_lo) < 0x1p-130);
  CHECK(is_exactly(r.softmax[1], 0.0));
  CHECK(is_exactly(r.ce_gradient[0], -0.0));
  CHECK(is_exactly(r.log_softmax[1], -kInf));  // -2 max: overflows double
  CHECK(r.logsumexp.rounded == max_finite(Format::f64));
  CHECK(same_bits(r.log_softmax[0].rounded, -0.0));
}

TEST_CASE("rows that overflow exp without max subtraction give finite correct results") {
  RowReference r = eval({1000.0, 999.0}, Format::f64, 0);
  CHECK(r.softmax[0].rounded == 0x1.764d4f5d5a2bdp-1);
  CHECK(r.softmax[1].rounded == 0x1.136561454ba86p-2);
  CHECK(r.logsumexp.rounded == 0x1.f42818f57f7d8p+9);
  CHECK(r.log_softmax[0].rounded == -0x1.40c7abfbec124p-2);
  CHECK(r.log_softmax[1].rounded == -0x1.5031eafefb049p+0);
  CHECK(r.ce_gradient[0].rounded == -0x1.136561454ba86p-2);
  CHECK(r.ce_loss.rounded == 0x1.40c7abfbec124p-2);

  r = eval({100.0, 90.0}, Format::f32, 1);
  CHECK(r.softmax[0].rounded == 0x1.fffa0cp-1);
  CHECK(r.softmax[1].rounded == 0x1.7cd32ep-15);
  CHECK(r.logsumexp.rounded == 0x1.90000cp+6);
  CHECK(r.log_softmax[0].rounded == -0x1.7cd564p-15);
  CHECK(r.log_softmax[1].rounded == -0x1.40006p+3);
  CHECK(r.ce_loss.rounded == 0x1.40006p+3);
  CHECK(r.ce_gradient[1].rounded == -0x1.fffa0cp-1);  // softmax_1 - 1 = -softmax_0

  r = eval({15.0, 14.0}, Format::f16, 1);
  CHECK(r.softmax[0].rounded == 0x1.764p-1);
  CHECK(r.softmax[1].rounded == 0x1.138p-2);
  CHECK(r.logsumexp.rounded == 0x1.eap+3);
  CHECK(r.log_softmax[0].rounded == -0x1.40cp-2);
  CHECK(r.log_softmax[1].rounded == -0x1.504p+0);
  CHECK(r.ce_loss.rounded == 0x1.504p+0);
  CHECK(r.ce_gradient[1].rounded == -0x1.764p-1);
  CHECK(r.ce_gradient[0].rounded == 0x1.764p-1);
}

TEST_CASE("ties perturbed by terms far below any working precision are decided") {
  // f16 [30048, -30000]: m - x_1 = 60048 is the midpoint of 60032 (even) and 60064, and
  // log1p(exp(-60048)) ~ 2^-86631 > 0 tips both results away from the even neighbour.
  RowReference r = eval({30048.0, -30000.0}, Format::f16, 1);
  CHECK(r.ce_loss.rounded == 60064.0);
  CHECK(r.log_softmax[1].rounded == -60064.0);
  CHECK(r.ce_loss.exact_hi == 60048.0);
  CHECK(r.softmax[0].rounded == 1.0);

  // Found by the property tests: ce_loss = 65424 + ~2^-94364, midpoint of 65408 and 65440.
  r = eval({-16, 0.125, -6.10352e-05, 0.000244141, 0.125, 0.125, 0.125, 5.96046e-08, 0, 65408},
           Format::f16, 0);
  CHECK(r.ce_loss.rounded == 65440.0);

  // f32: 2^126 (1 + 2^-23) + 2^126 = 2^127 (1 + 2^-24), a midpoint; exp(-2^127) is far below
  // even MPFR's exponent range, yet strictly positive.
  const double a = 0x1.000002p126, b = 0x1p126;
  r = eval({a, -b}, Format::f32, 1);
  CHECK(r.ce_loss.rounded == 0x1.000002p127);
  CHECK(r.log_softmax[1].rounded == -0x1.000002p127);
  CHECK(same_bits(r.softmax[1].rounded, 0.0));
  CHECK(r.ce_gradient[0].rounded == 1.0);
  CHECK(r.ce_gradient[1].rounded == -1.0);
  // Without the perturbation (a single finite entry) the tie goes to even.
  CHECK(eval({-b, -kInf}, Format::f32, 0).logsumexp.rounded == -b);
}

TEST_CASE("results beyond the format's range overflow to infinity") {
  const double max = max_finite(Format::f16);
  const RowReference r = eval({max, -max}, Format::f16, 1);
  CHECK(r.logsumexp.rounded == max);
  CHECK(r.log_softmax[1].rounded == -kInf);
  CHECK(r.log_softmax[1].exact_hi == -2 * max);
  CHECK(r.ce_loss.rounded == kInf);
  CHECK(r.ce_loss.exact_hi == 2 * max);
  // 2^16 equal maxima: logsumexp = 65504 + 16 log 2 = 65515.09 < 65520: still finite.
  const std::vector<double> many(1 << 16, max);
  CHECK(evaluate_row(many, Format::f16, 0).logsumexp.rounded == max);
}

TEST_CASE("exact_hi and exact_lo form the exact value as a double-double") {
  const RowReference r = eval({0.0, 1.0, -2.5}, Format::f32, 2);
  // log 1 + e + e^-2.5 = 1.3490...; check exact_hi is the double nearest and lo is tiny.
  const double lse = std::log(1.0 + std::exp(1.0) + std::exp(-2.5));
  CHECK(std::fabs(r.logsumexp.exact_hi - lse) <= 2 * std::ldexp(1.0, -52) * lse);
  CHECK(std::fabs(r.logsumexp.exact_lo) <= std::ldexp(1.0, -53) * std::fabs(r.logsumexp.exact_hi));
  CHECK(r.logsumexp.rounded == static_cast<double>(static_cast<float>(r.logsumexp.exact_hi)));
}

TEST_CASE("argument checking and the give-up path") {
  const std::vector<double> x = {0.0, 1.0};
  CHECK_THROWS_AS(evaluate_row(x, Format::f32, 2), std::out_of_range);
  CHECK_THROWS_AS(evaluate_row(x, Format::f32, 0, {.initial_precision = 1}), std::invalid_argument);
  CHECK_THROWS_AS(evaluate_row(x, Format::f32, 0, {.initial_precision = 64, .max_precision = 32}),
                  std::invalid_argument);
  // 1/3 cannot be decided at 8 bits when the schedule forbids raising the precision (in
  // MPFR: the double-double fast path, on by default, needs no schedule).
  const std::vector<double> thirds = {0.0, 0.0, 0.0};
  CHECK_THROWS_AS(evaluate_row(thirds, Format::f64, 0,
                               {.initial_precision = 8, .max_precision = 8, .fast_path = false}),
                  std::runtime_error);
  CHECK(evaluate_row(thirds, Format::f64, 0, {.initial_precision = 8, .fast_path = false})
            .softmax[0]
            .rounded == 1.0 / 3.0);
  CHECK(evaluate_row(thirds, Format::f64, 0, {.initial_precision = 8, .max_precision = 8})
            .softmax[0]
            .rounded == 1.0 / 3.0);
  CHECK(reference::default_initial_precision(Format::f64) == 2 * 53 + 40);
  CHECK(reference::default_initial_precision(Format::f16) == 128);
}

TEST_CASE("evaluation is thread-safe") {
  std::vector<std::vector<double>> rows;
  for (int i = 0; i < 40; ++i) {
    std::vector<double> row;
    for (int j = 0; j < 50; ++j)
      row.push_back(round_to_format(std::sin(i * 50 + j) * 9, Format::f32));
    rows.push_back(row);
  }
  std::vector<RowReference> sequential;
  for (const auto& row : rows) sequential.push_back(evaluate_row(row, Format::f32, 3));
  std::vector<RowReference> parallel(rows.size());
  {
    std::jthread a([&] {
      for (std::size_t i = 0; i < rows.size(); i += 2)
        parallel[i] = evaluate_row(rows[i], Format::f32, 3);
    });
    std::jthread b([&] {
      for (std::size_t i = 1; i < rows.size(); i += 2)
        parallel[i] = evaluate_row(rows[i], Format::f32, 3);
    });
  }
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j) {
      REQUIRE(same_bits(parallel[i].softmax[j].rounded, sequential[i].softmax[j].rounded));
      REQUIRE(
          same_bits(parallel[i].log_softmax[j].exact_lo, sequential[i].log_softmax[j].exact_lo));
    }
}
