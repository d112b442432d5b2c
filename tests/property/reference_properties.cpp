// Properties of the correctly rounded references, each checked against something computed
// independently: a plain 3000-bit evaluation, the logistic function, 1/n, exact shifts, the
// double-double identity ce_loss = logsumexp - x_y, and the working-precision schedule.
#include <rapidcheck/catch.h>

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "../unit/reference_oracle.hpp"
#include "core/format.hpp"
#include "reference/mpfr_rounding.hpp"
#include "reference/reference.hpp"
#include "reference_generators.hpp"
#include "test_values.hpp"

using namespace softcheck;
using boost::multiprecision::mpfr_float;
using reference::evaluate_row;
using reference::Exact;
using reference::RowReference;

using softcheck::test::kInf;
using softcheck::test::same_bits;

namespace {

constexpr long kOracleBits = 3000;

std::size_t any_target(const std::vector<double>& x) {
  return *rc::gen::inRange<std::size_t>(0, x.size());
}

// Every Exact of a row, in a fixed order, for whole-row comparisons.
std::vector<Exact> flatten(const RowReference& r) {
  std::vector<Exact> all = r.softmax;
  all.insert(all.end(), r.log_softmax.begin(), r.log_softmax.end());
  all.insert(all.end(), r.ce_gradient.begin(), r.ce_gradient.end());
  all.push_back(r.logsumexp);
  all.push_back(r.ce_loss);
  return all;
}

// A variable of `bits` precision holding a double exactly.
mpfr_float exact_value(double v, long bits = 400) {
  mpfr_float r;
  mpfr_set_prec(r.backend().data(), bits);
  mpfr_set_d(r.backend().data(), v, MPFR_RNDN);
  return r;
}

// hi + lo - (hi2 + lo2) - shift, exactly enough (400 bits) for the tolerance checks.
double dd_difference(const Exact& a, const Exact& b, double shift) {
  mpfr_float d = exact_value(a.exact_hi);
  mpfr_ptr p = d.backend().data();
  mpfr_add_d(p, p, a.exact_lo, MPFR_RNDN);
  mpfr_sub_d(p, p, b.exact_hi, MPFR_RNDN);
  mpfr_sub_d(p, p, b.exact_lo, MPFR_RNDN);
  mpfr_sub_d(p, p, shift, MPFR_RNDN);
  return mpfr_get_d(p, MPFR_RNDN);
}

void widen_exponent_range() {
  mpfr_set_emin(mpfr_get_emin_min());
  mpfr_set_emax(mpfr_get_emax_max());
}

}  // namespace

TEST_CASE("reference results do not depend on the working-precision schedule") {
  rc::prop("default, 1000-bit and 8-bit starts agree bit for bit", [] {
    const Format f = *testing::any_format();
    const auto x = *testing::rows(testing::representable(f));
    const std::size_t y = any_target(x);
    const auto by_default = flatten(evaluate_row(x, f, y));
    const auto wide = flatten(evaluate_row(x, f, y, {.initial_precision = 1000}));
    // logsumexp = m + log1p(s) may cancel when m < 0: its enclosure is tight relative to m.
    double m = 0.0;
    for (double v : x)
      if (std::isfinite(v)) m = std::fmax(m, std::fabs(v));
    const auto narrow = flatten(evaluate_row(x, f, y, {.initial_precision = 8}));
    for (std::size_t i = 0; i < by_default.size(); ++i) {
      const Exact& e = by_default[i];
      RC_ASSERT(same_bits(e.rounded, wide[i].rounded));
      RC_ASSERT(same_bits(e.rounded, narrow[i].rounded));
      RC_ASSERT(same_bits(e.exact_hi, wide[i].exact_hi));
      RC_ASSERT(same_bits(e.exact_hi, narrow[i].exact_hi));
      // exact_lo carries the final enclosure's width: tight for both >= 128-bit schedules.
      RC_ASSERT(std::fabs(e.exact_lo - wide[i].exact_lo) <=
                    0x1p-115 * (std::fabs(e.exact_hi) + m) ||
                !std::isfinite(e.exact_hi));
      if (f == Format::f64) RC_ASSERT(same_bits(e.rounded, e.exact_hi));
    }
  });
}

TEST_CASE("reference results follow the special-value table") {
  rc::prop("NaN, +inf, fully masked and masked entries", [] {
    const Format f = *testing::any_format();
    const auto x = *testing::rows(testing::representable(f));
    const std::size_t y = any_target(x);
    const RowReference r = evaluate_row(x, f, y);
    RC_ASSERT(r.softmax.size() == x.size());
    RC_ASSERT(r.log_softmax.size() == x.size());
    RC_ASSERT(r.ce_gradient.size() == x.size());
    bool nan = false, pos_inf = false;
    for (double v : x) {
      nan |= std::isnan(v);
      pos_inf |= v == kInf;
    }
    auto all_nan = [](const std::vector<Exact>& v) {
      for (const Exact& e : v)
        if (!std::isnan(e.rounded) || !std::isnan(e.exact_hi) || e.exact_lo != 0.0) return false;
      return true;
    };
    if (nan || pos_inf || !testing::has_finite(x)) {
      RC_ASSERT(all_nan(r.softmax));
      RC_ASSERT(all_nan(r.log_softmax));
      RC_ASSERT(all_nan(r.ce_gradient));
      RC_ASSERT(std::isnan(r.ce_loss.rounded));
      const double lse = nan ? std::numeric_limits<double>::quiet_NaN() : pos_inf ? kInf : -kInf;
      RC_ASSERT(same_bits(r.logsumexp.rounded, lse));
      RC_ASSERT(same_bits(r.logsumexp.exact_hi, lse));
      return;
    }
    RC_ASSERT(std::isfinite(r.logsumexp.rounded));
    if (x[y] == -kInf) {
      RC_ASSERT(same_bits(r.ce_loss.rounded, kInf));
      RC_ASSERT(same_bits(r.ce_gradient[y].rounded, -1.0));
    } else {
      RC_ASSERT(r.ce_loss.rounded >= 0.0);
      RC_ASSERT(!std::signbit(r.ce_loss.rounded));
      RC_ASSERT(r.ce_gradient[y].rounded <= 0.0);
    }
    for (std::size_t i = 0; i < x.size(); ++i) {
      const Exact& s = r.softmax[i];
      RC_ASSERT(s.rounded >= 0.0 && s.rounded <= 1.0 && !std::signbit(s.rounded));
      RC_ASSERT(r.log_softmax[i].rounded <= 0.0);
      if (x[i] == -kInf) {
        RC_ASSERT(same_bits(s.rounded, 0.0));
        RC_ASSERT(same_bits(r.log_softmax[i].rounded, -kInf));
      }
      if (i != y) {
        RC_ASSERT(same_bits(r.ce_gradient[i].rounded, s.rounded));
        RC_ASSERT(same_bits(r.ce_gradient[i].exact_hi, s.exact_hi));
      }
    }
  });
}

TEST_CASE("reference agrees with a plain 3000-bit evaluation") {
  rc::prop("moderate rows, every output, format and double rounding", [] {
    const Format f = *testing::any_format();
    auto x = *testing::rows(testing::moderate(f), 10);
    if (!testing::has_finite(x)) x[0] = 0.0;
    const std::size_t y = any_target(x);
    const RowReference r = evaluate_row(x, f, y);
    const testing::Oracle oracle(kOracleBits);
    for (Format g : {f, Format::f64}) {
      const testing::OracleRow o = oracle.evaluate(x, g, y);
      auto got = [&](const Exact& e) { return g == f ? e.rounded : e.exact_hi; };
      for (std::size_t i = 0; i < x.size(); ++i) {
        RC_ASSERT(same_bits(got(r.softmax[i]), o.softmax[i]));
        RC_ASSERT(same_bits(got(r.log_softmax[i]), o.log_softmax[i]));
        RC_ASSERT(same_bits(got(r.ce_gradient[i]), o.ce_gradient[i]));
      }
      RC_ASSERT(same_bits(got(r.logsumexp), o.logsumexp));
      RC_ASSERT(same_bits(got(r.ce_loss), o.ce_loss));
    }
  });
}

TEST_CASE("softmax of two logits is the logistic function") {
  rc::prop("softmax_0 = 1 / (1 + exp(x1 - x0)) at 1000 bits", [] {
    const Format f = *testing::any_format();
    auto finite =
        rc::gen::suchThat(testing::representable(f), [](double v) { return std::isfinite(v); });
    const std::vector<double> x = {*finite, *finite};
    const RowReference r = evaluate_row(x, f, 1);
    widen_exponent_range();
    for (std::size_t i = 0; i < 2; ++i) {
      mpfr_float t = exact_value(x[1 - i], 1000);  // 1 / (1 + exp(x_other - x_i))
      mpfr_ptr p = t.backend().data();
      mpfr_sub_d(p, p, x[i], MPFR_RNDN);
      mpfr_exp(p, p, MPFR_RNDN);
      mpfr_add_ui(p, p, 1, MPFR_RNDN);
      mpfr_ui_div(p, 1, p, MPFR_RNDN);
      RC_ASSERT(same_bits(r.softmax[i].rounded, reference::round_to_format(t, f)));
      if (i == 1) {  // the target: softmax_1 - 1 = -softmax_0
        RC_ASSERT(same_bits(r.ce_gradient[1].rounded, -r.softmax[0].rounded));
      }
    }
  });
}

TEST_CASE("cross-entropy is logsumexp minus the target logit") {
  rc::prop("double-double ce_loss within 1e-25 of logsumexp - x_y", [] {
    const Format f = *testing::any_format();
    auto x = *testing::rows(testing::representable(f));
    RC_PRE(!testing::has_nan_or_pos_inf(x) && testing::has_finite(x));
    const std::size_t y = *rc::gen::suchThat(rc::gen::inRange<std::size_t>(0, x.size()),
                                             [&](std::size_t i) { return std::isfinite(x[i]); });
    const RowReference r = evaluate_row(x, f, y);
    RC_PRE(std::isfinite(r.ce_loss.exact_hi));  // 2 max: beyond double
    const double scale =
        std::fabs(r.ce_loss.exact_hi) + std::fabs(r.logsumexp.exact_hi) + std::fabs(x[y]);
    const double tolerance = 1e-25 * scale + 4 * denorm_min(Format::f64);
    RC_ASSERT(std::fabs(dd_difference(r.logsumexp, r.ce_loss, x[y])) <= tolerance);
  });
}

TEST_CASE("softmax of n equal logits is exactly round(1/n)") {
  rc::prop("equal logits", [] {
    const Format f = *testing::any_format();
    const double c =
        *rc::gen::suchThat(testing::representable(f), [](double v) { return std::isfinite(v); });
    const int n = *rc::gen::inRange(1, 41);
    const std::vector<double> x(static_cast<std::size_t>(n), c);
    const std::size_t y = any_target(x);
    const RowReference r = evaluate_row(x, f, y);
    widen_exponent_range();
    mpfr_float v = exact_value(1.0, 2000);
    mpfr_ptr p = v.backend().data();
    mpfr_div_ui(p, p, static_cast<unsigned long>(n), MPFR_RNDN);
    const double one_over_n = reference::round_to_format(v, f);
    mpfr_sub_ui(p, p, 1, MPFR_RNDN);
    const double gradient = reference::round_to_format(v, f);
    mpfr_set_ui(p, static_cast<unsigned long>(n), MPFR_RNDN);
    mpfr_log(p, p, MPFR_RNDN);
    const double log_n = reference::round_to_format(v, f);
    mpfr_add_d(p, p, c, MPFR_RNDN);
    const double lse = reference::round_to_format(v, f);
    const bool power_of_two = (n & (n - 1)) == 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      RC_ASSERT(same_bits(r.softmax[i].rounded, one_over_n));
      RC_ASSERT(same_bits(r.log_softmax[i].rounded, n == 1 ? 0.0 : -log_n));
      if (power_of_two) RC_ASSERT(r.softmax[i].exact_lo == 0.0);
    }
    RC_ASSERT(same_bits(r.ce_gradient[y].rounded, n == 1 ? 0.0 : gradient));
    RC_ASSERT(same_bits(r.ce_loss.rounded, n == 1 ? 0.0 : log_n));
    RC_ASSERT(same_bits(r.logsumexp.rounded, lse == 0.0 ? 0.0 : lse));
  });
}

TEST_CASE("softmax, log_softmax and the gradient are invariant under exact shifts") {
  rc::prop("x + c with every x_i + c exact in the format", [] {
    const Format f = *testing::any_format();
    const int p = traits(f).precision;
    // Multiples of 2^q with small integer factors: sums stay exact in the format.
    const int q = *rc::gen::inRange(-8, 4);
    const int bound = 1 << std::min(p - 2, 20);
    const auto small_multiple = rc::gen::map(rc::gen::inRange(-bound, bound), [q](int k) {
      return std::ldexp(static_cast<double>(k), q);
    });
    auto x = *testing::rows(
        rc::gen::weightedOneOf<double>({{8, small_multiple}, {1, rc::gen::just(-kInf)}}));
    if (!testing::has_finite(x)) x[0] = 0.0;
    const double c = *small_multiple;
    std::vector<double> shifted;
    for (double v : x) shifted.push_back(v + c);
    for (double v : shifted) RC_PRE(is_representable(v, f));
    const std::size_t y = any_target(x);
    const RowReference a = evaluate_row(x, f, y), b = evaluate_row(shifted, f, y);
    for (std::size_t i = 0; i < x.size(); ++i)
      for (auto member :
           {&RowReference::softmax, &RowReference::log_softmax, &RowReference::ce_gradient}) {
        const Exact& u = (a.*member)[i];
        const Exact& v = (b.*member)[i];
        RC_ASSERT(same_bits(u.rounded, v.rounded));
        RC_ASSERT(same_bits(u.exact_hi, v.exact_hi));
        RC_ASSERT(same_bits(u.exact_lo, v.exact_lo));
      }
    RC_ASSERT(same_bits(a.ce_loss.rounded, b.ce_loss.rounded));
  });
}

TEST_CASE("the exact softmax sums to one") {
  rc::prop("sum of exact_hi within n 2^-52 of 1, of the double-doubles within 2^-100", [] {
    const Format f = *testing::any_format();
    const auto x = *testing::rows(testing::representable(f), 30);
    RC_PRE(!testing::has_nan_or_pos_inf(x) && testing::has_finite(x));
    const RowReference r = evaluate_row(x, f, 0);
    mpfr_float hi = exact_value(-1.0, 4000), both = exact_value(-1.0, 4000);
    for (const Exact& e : r.softmax) {
      mpfr_add_d(hi.backend().data(), hi.backend().data(), e.exact_hi, MPFR_RNDN);
      mpfr_add_d(both.backend().data(), both.backend().data(), e.exact_hi, MPFR_RNDN);
      mpfr_add_d(both.backend().data(), both.backend().data(), e.exact_lo, MPFR_RNDN);
    }
    const double n = static_cast<double>(x.size());
    RC_ASSERT(std::fabs(mpfr_get_d(hi.backend().data(), MPFR_RNDN)) <= n * 0x1p-52);
    RC_ASSERT(std::fabs(mpfr_get_d(both.backend().data(), MPFR_RNDN)) <= 0x1p-100);
  });
}
