// The softmax backward contracts (checks/backward_contract.hpp, proofs/backward-contract.md)
// against kernels written here: correct ones (f32 accumulation for f32, bf16 and f16 storage,
// f64 for f64; recursive sums; out = y (dy - s) and the two-product form y dy - y s; log-softmax
// with the library exp) stay within the allowance on thousands of random and adversarial rows;
// the two planted bugs of the proof exceed it on typical rows: (a) <y, dy> accumulated in bf16,
// (b) exp taken of y rounded to bf16 first.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "checks/backward_contract.hpp"
#include "core/format.hpp"
#include "reference/backward_reference.hpp"
#include "test_seed.hpp"

using namespace softcheck;

namespace {

// The kernels' variants: correct, or one planted bug.
enum class Variant { correct, two_products, bf16_accumulator, bf16_exp_argument };

Format accumulation_of(Format storage) { return storage == Format::f64 ? Format::f64 : Format::f32; }

double bf16(double x) { return round_to_format(x, Format::bf16); }

// softmax_backward in the accumulation type T, rounded to the storage format at the end.
template <class T>
std::vector<double> softmax_backward_kernel(const std::vector<double>& y, const std::vector<double>& dy,
                                            Format storage, Variant variant) {
  T s = 0;
  for (std::size_t j = 0; j < y.size(); ++j) {
    const T p = static_cast<T>(y[j]) * static_cast<T>(dy[j]);
    s = variant == Variant::bf16_accumulator ? static_cast<T>(bf16(s + p)) : s + p;
  }
  std::vector<double> out(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) {
    const T yi = static_cast<T>(y[i]), dyi = static_cast<T>(dy[i]);
    const T o = variant == Variant::two_products ? T(yi * dyi) - T(yi * s) : yi * T(dyi - s);
    out[i] = round_to_format(static_cast<double>(o), storage);
  }
  return out;
}

template <class T>
std::vector<double> log_softmax_backward_kernel(const std::vector<double>& y, const std::vector<double>& dy,
                                                Format storage, Variant variant) {
  T sum = 0;
  for (double v : dy) sum += static_cast<T>(v);
  std::vector<double> out(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double arg = variant == Variant::bf16_exp_argument ? bf16(y[i]) : y[i];
    const T e = std::exp(static_cast<T>(arg));
    out[i] = round_to_format(static_cast<double>(static_cast<T>(dy[i]) - e * sum), storage);
  }
  return out;
}

std::vector<double> run_softmax(const std::vector<double>& y, const std::vector<double>& dy, Format f,
                                Variant v) {
  return f == Format::f64 ? softmax_backward_kernel<double>(y, dy, f, v)
                          : softmax_backward_kernel<float>(y, dy, f, v);
}
std::vector<double> run_log_softmax(const std::vector<double>& y, const std::vector<double>& dy, Format f,
                                    Variant v) {
  return f == Format::f64 ? log_softmax_backward_kernel<double>(y, dy, f, v)
                          : log_softmax_backward_kernel<float>(y, dy, f, v);
}

// The largest error / allowance of a row (elements whose exact value is finite; a kernel
// output of inf there counts as infinitely far).
double worst_ratio(const std::vector<double>& out, const std::vector<reference::Exact>& exact,
                   const std::vector<double>& allowance) {
  double worst = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!std::isfinite(exact[i].exact_hi)) continue;
    const double error = std::fabs((out[i] - exact[i].exact_hi) - exact[i].exact_lo);
    worst = std::max(worst, std::isnan(error) ? HUGE_VAL : error / allowance[i]);
  }
  return worst;
}

double softmax_ratio(const std::vector<double>& y, const std::vector<double>& dy, Format f, Variant v) {
  const auto exact = reference::softmax_backward_row(y, dy, f);
  const auto scale = softmax_backward_scale(y, dy);
  std::vector<double> allowance;
  for (std::size_t i = 0; i < y.size(); ++i)
    allowance.push_back(softmax_backward_allowance(y[i], dy[i], exact[i].exact_hi, scale, f, accumulation_of(f)));
  return worst_ratio(run_softmax(y, dy, f, v), exact, allowance);
}

double log_softmax_ratio(const std::vector<double>& y, const std::vector<double>& dy, Format f, Variant v) {
  const auto exact = reference::log_softmax_backward_row(y, dy, f);
  const auto scale = log_softmax_backward_scale(dy);
  std::vector<double> allowance;
  for (std::size_t i = 0; i < y.size(); ++i)
    allowance.push_back(log_softmax_backward_allowance(y[i], exact[i].exact_hi, scale, f, accumulation_of(f)));
  return worst_ratio(run_log_softmax(y, dy, f, v), exact, allowance);
}

double on_grid(double x, Format f) { return round_to_format(x, f); }

// Forward outputs: softmax probabilities of N(0, spread^2) logits and their log-softmax,
// both rounded to the format (the kernel is given these).
struct Forward {
  std::vector<double> y, log_y;
};

Forward forward(std::mt19937_64& rng, std::size_t n, Format f, double spread) {
  std::normal_distribution<double> normal(0.0, spread);
  std::vector<double> x(n);
  for (double& v : x) v = normal(rng);
  const double m = *std::max_element(x.begin(), x.end());
  double z = 0;
  for (double v : x) z += std::exp(v - m);
  Forward out;
  for (double v : x) {
    out.y.push_back(on_grid(std::exp(v - m) / z, f));
    out.log_y.push_back(on_grid(v - m - std::log(z), f));
  }
  return out;
}

// dy of one of several shapes: normal, nearly constant (cancellation), huge, tiny
// (subnormal outputs), mixed magnitudes, nonzero mean.
std::vector<double> gradient(std::mt19937_64& rng, std::size_t n, Format f, int shape) {
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_int_distribution<int> power(-30, 30);
  const double c = on_grid(1.0 + normal(rng), f);
  std::vector<double> dy(n);
  for (double& v : dy) {
    switch (shape) {
      case 0: v = normal(rng); break;
      case 1: v = c + (rng() % 4 == 0 ? normal(rng) * 0x1p-18 * std::fabs(c) : 0.0); break;
      case 2: v = normal(rng) * std::ldexp(1.0, traits(f).max_exponent - 8); break;
      case 3: v = normal(rng) * std::ldexp(1.0, traits(f).min_exponent); break;
      case 4: v = normal(rng) * std::ldexp(1.0, power(rng)); break;
      default: v = 1.0 + normal(rng); break;
    }
    v = on_grid(v, f);
  }
  return dy;
}

}  // namespace

TEST_CASE("correct backward kernels stay within the contract") {
  std::mt19937_64 rng(softcheck::testing::seed() + 3);
  const int rows = softcheck::testing::scaled(3000);
  double worst_softmax = 0, worst_two = 0, worst_log = 0;
  for (int r = 0; r < rows; ++r) {
    const Format f = kAllFormats[r % 4];
    const std::size_t n = 1 + rng() % (r % 10 == 0 ? 2048 : 200);
    Forward fw = forward(rng, n, f, 0.5 + r % 8);
    if (r % 6 == 1) fw.y[rng() % n] = 0.0;                                    // a zero in y
    if (r % 6 == 2) fw.y[rng() % n] = denorm_min(f);                          // tiny y
    const auto dy = gradient(rng, n, f, r / 4 % 6);
    worst_softmax = std::max(worst_softmax, softmax_ratio(fw.y, dy, f, Variant::correct));
    worst_two = std::max(worst_two, softmax_ratio(fw.y, dy, f, Variant::two_products));
    worst_log = std::max(worst_log, log_softmax_ratio(fw.log_y, dy, f, Variant::correct));
  }
  WARN("worst error / allowance: softmax_backward " << worst_softmax << ", two-product form "
       << worst_two << ", log_softmax_backward " << worst_log);
  CHECK(worst_softmax <= 1.0);
  CHECK(worst_two <= 1.0);
  CHECK(worst_log <= 1.0);
}

TEST_CASE("planted bugs exceed the contract on typical rows") {
  // f32 storage, logits N(0, 4), dy N(0, 1): the rows a training step sees.
  std::mt19937_64 rng(softcheck::testing::seed() + 4);
  const int rows = 40;
  for (std::size_t n : {64, 256, 1024, 4096}) {
    int caught_a = 0, caught_b = 0, correct_fails = 0;
    std::vector<double> ratio_a, ratio_b;
    for (int r = 0; r < rows; ++r) {
      const Forward fw = forward(rng, n, Format::f32, 2.0);
      const auto dy = gradient(rng, n, Format::f32, 0);
      const double a = softmax_ratio(fw.y, dy, Format::f32, Variant::bf16_accumulator);
      const double b = log_softmax_ratio(fw.log_y, dy, Format::f32, Variant::bf16_exp_argument);
      caught_a += a > 1.0;
      caught_b += b > 1.0;
      ratio_a.push_back(a), ratio_b.push_back(b);
      correct_fails += softmax_ratio(fw.y, dy, Format::f32, Variant::correct) > 1.0;
      correct_fails += log_softmax_ratio(fw.log_y, dy, Format::f32, Variant::correct) > 1.0;
    }
    std::sort(ratio_a.begin(), ratio_a.end());
    std::sort(ratio_b.begin(), ratio_b.end());
    WARN("n = " << n << ": bf16 accumulator caught in " << caught_a << "/" << rows
         << " rows (median worst ratio " << ratio_a[rows / 2] << "), bf16 exp argument in "
         << caught_b << "/" << rows << " (median " << ratio_b[rows / 2] << ")");
    CHECK(correct_fails == 0);
    // The gate flags a kernel on one failing row. The worst-case gamma_n term grows like n
    // while these errors grow like sqrt(n), so single rows slip through more often at large n
    // (proofs/backward-contract.md, "Planted bugs"): up to n = 1024 most rows fail (measured:
    // 36 to 40 of 40 per seed), required here of three in four.
    CHECK(caught_a >= 1);
    CHECK(caught_b >= 1);
    if (n <= 1024) {
      CHECK(caught_a >= rows * 3 / 4);
      CHECK(caught_b >= rows * 3 / 4);
    }
  }
}
