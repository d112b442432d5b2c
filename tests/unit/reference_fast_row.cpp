// The reference's double-double fast path (reference/fast_row.hpp): fast_exp within its
// proven bound against MPFR, and every softmax-family output of every family in every format
// identical to the MPFR path's (the correctly rounded value and exact_hi, the exact value
// rounded to double; exact_lo within 2^-80 of the value).
#include <catch2/catch.hpp>

#include <mpfr.h>

#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "core/batch.hpp"
#include "core/families.hpp"
#include "core/op.hpp"
#include "core/format.hpp"
#include "core/rng.hpp"
#include "fp/double_double.hpp"
#include "fp/two_sum.hpp"
#include "reference/fast_decide.hpp"
#include "reference/fast_exp.hpp"
#include "reference/backward_reference.hpp"
#include "reference/fast_row.hpp"
#include "reference/op_reference.hpp"
#include "reference/loss_family_reference.hpp"
#include "reference/reference.hpp"
#include "reference/stablemax_reference.hpp"
#include "test_seed.hpp"

using namespace softcheck;
using namespace softcheck::reference;

namespace {

// |fast_exp(d) / exp(d) - 1| for d = hi + lo, in MPFR at 300 bits.
double relative_error(fp::dd::Dd d) {
  const ScaledDd e = fast_exp(d);
  mpfr_t exact, got, t;
  mpfr_inits2(300, exact, got, t, static_cast<mpfr_ptr>(nullptr));
  mpfr_set_d(exact, d.hi, MPFR_RNDN);
  mpfr_add_d(exact, exact, d.lo, MPFR_RNDN);
  mpfr_exp(exact, exact, MPFR_RNDN);
  mpfr_set_d(got, e.m.hi, MPFR_RNDN);
  mpfr_add_d(got, got, e.m.lo, MPFR_RNDN);
  mpfr_mul_2si(got, got, e.exponent, MPFR_RNDN);
  mpfr_div(t, got, exact, MPFR_RNDN);
  mpfr_sub_ui(t, t, 1, MPFR_RNDN);
  const double error = std::fabs(mpfr_get_d(t, MPFR_RNDN));
  mpfr_clears(exact, got, t, static_cast<mpfr_ptr>(nullptr));
  return error;
}

bool same_double(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

// The fast path's Exact g against MPFR's w: rounded value and exact_hi bit for bit, exact_lo
// within 2^-80 |exact_hi| (so the rounding-bias check, which counts values more than 2^-40 ulp
// from one the format holds, selects the same values from both).
void require_same(const Exact& g, const Exact& w) {
  REQUIRE(same_double(g.rounded, w.rounded));
  REQUIRE(same_double(g.exact_hi, w.exact_hi));
  if (std::isfinite(w.exact_hi) && w.exact_hi != 0)
    REQUIRE(std::fabs((g.exact_lo - w.exact_lo) / w.exact_hi) <= 0x1p-80);
}

// visit(output name, fast Exact, MPFR Exact) for every output of a row's two references.
template <class Visit>
void each_output(const RowReference& g, const RowReference& w, Visit visit) {
  for (std::size_t i = 0; i < w.softmax.size(); ++i) {
    visit("softmax", g.softmax[i], w.softmax[i]);
    visit("log_softmax", g.log_softmax[i], w.log_softmax[i]);
    visit("ce_gradient", g.ce_gradient[i], w.ce_gradient[i]);
  }
  visit("logsumexp", g.logsumexp, w.logsumexp);
  if (!w.softmax.empty()) visit("ce_loss", g.ce_loss, w.ce_loss);
}
template <class Visit>
void each_output(const LossReference& g, const LossReference& w, Visit visit) {
  for (std::size_t i = 0; i < w.gradient.size(); ++i) visit("gradient", g.gradient[i], w.gradient[i]);
  visit("loss", g.loss, w.loss);
}
template <class Visit>
void each_output(const StableMaxReference& g, const StableMaxReference& w, Visit visit) {
  for (std::size_t i = 0; i < w.stablemax.size(); ++i) {
    visit("stablemax", g.stablemax[i], w.stablemax[i]);
    visit("log_stablemax", g.log_stablemax[i], w.log_stablemax[i]);
    visit("gradient", g.gradient[i], w.gradient[i]);
  }
  if (!w.stablemax.empty()) visit("loss", g.loss, w.loss);
}

// Every row of every family of the quick suite in `format`, evaluated by
// evaluate(x, format, target, options) with the fast path and in MPFR only: every output the
// same (require_same). Returns the number of outputs compared.
template <class Evaluate>
std::size_t require_fast_path_matches_mpfr(Format format, Evaluate evaluate) {
  const std::uint64_t seed = testing::seed();
  ReferenceOptions mpfr;
  mpfr.fast_path = false;
  std::size_t outputs = 0;
  for (const Family& family : families()) {
    const auto batches = family.generate(format, Suite::quick, family_seed(seed, family.name));
    for (const Batch& batch : batches) {
      for (std::size_t r = 0; r < batch.rows; ++r) {
        const auto target = batch.n > 0 ? static_cast<std::size_t>(batch.targets[r]) : 0;
        const auto want = evaluate(batch.row(r), format, target, mpfr);
        const auto got = evaluate(batch.row(r), format, target, ReferenceOptions{});
        each_output(got, want, [&](const char* what, const Exact& g, const Exact& w) {
          ++outputs;
          INFO(family.name << " " << name(format) << " row " << r << " " << what);
          require_same(g, w);
        });
      }
    }
  }
  return outputs;
}

}  // namespace

TEST_CASE("fast_exp stays within its stated bound of 20 u^2") {
  if (!fast_path_available()) return;  // compiled for FMA and AVX2
  Rng rng(testing::seed());
  double worst = 0;
  std::vector<fp::dd::Dd> arguments;
  for (int i = 0; i < 200000; ++i) {
    // Arguments over the whole domain, near 0, and on the reduction's breakpoints.
    double hi = -rng.uniform() * 750.0;
    if (i % 4 == 1) hi = -rng.uniform() * 1e-3;
    if (i % 4 == 2) hi = -std::floor(rng.uniform() * 256000) * (std::log(2.0) / 512.0);
    const double lo = hi == 0 ? 0 : hi * 0x1p-54 * (rng.uniform() - 0.5);
    const fp::dd::Dd d = fp::fast_two_sum(hi, lo);
    worst = std::max(worst, relative_error(d));
    arguments.push_back(d);
  }
  for (double hi : {0.0, -0.0, -0x1p-1074, -745.4, -750.0, -std::log(2.0) / 512}) {
    worst = std::max(worst, relative_error({hi, 0.0}));
    arguments.push_back({hi, 0.0});
  }
  WARN("fast_exp: worst relative error " << worst << " = " << worst / fp::dd::kU2 << " u^2");
  CHECK(worst <= kFastExpError);
  // The vectorized batch gives the scalar function's bits (the proof's bound covers both).
  std::vector<ScaledDd> batch(arguments.size());
  fast_exp_batch(arguments, batch);
  std::size_t different = 0;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const ScaledDd one = fast_exp(arguments[i]);
    different += !(same_double(one.m.hi, batch[i].m.hi) && same_double(one.m.lo, batch[i].m.lo) &&
                   one.exponent == batch[i].exponent);
  }
  CHECK(different == 0);
}

TEST_CASE("the fast path gives the MPFR path's results on every family and format") {
  for (Format format : kAllFormats) {
    const FastPathCounts before = fast_path_counts();
    const std::size_t outputs = require_fast_path_matches_mpfr(
        format, [](auto x, Format f, std::size_t y, const ReferenceOptions& o) {
          return evaluate_row(x, f, y, o);
        });
    const FastPathCounts after = fast_path_counts();
    const auto fast = after.fast_rows - before.fast_rows;
    WARN(name(format) << ": " << outputs << " outputs identical; fast path " << fast
                      << " rows, MPFR fallback " << after.fallback_rows - before.fallback_rows);
    CHECK((fast > 0 || !fast_path_available()));  // without FMA and AVX2: all MPFR
  }
}

TEST_CASE("StableMax's fast path gives the MPFR path's results on every family and format") {
  for (Format format : kAllFormats) {
    const FastPathCounts before = fast_path_counts();
    const std::size_t outputs = require_fast_path_matches_mpfr(
        format, [](auto x, Format f, std::size_t y, const ReferenceOptions& o) {
          return evaluate_stablemax_row(x, f, y, o);
        });
    const FastPathCounts after = fast_path_counts();
    const auto fast = after.stablemax_fast_rows - before.stablemax_fast_rows;
    WARN(name(format) << ": " << outputs << " StableMax outputs identical; fast path " << fast
                      << " rows, MPFR fallback "
                      << after.stablemax_fallback_rows - before.stablemax_fallback_rows);
    CHECK((fast > 0 || !fast_path_available()));
  }
}

TEST_CASE("the loss family's fast path gives the MPFR path's results on every family and format") {
  // The comp-sum losses at the ends and inside tau's range (0.1: 1 - tau not a double), the
  // temperature cross-entropy and softmax from sharp to flat, the sigmoid BCE, the two
  // attention normalisers and the Z-loss.
  struct Case {
    LossKind kind;
    LossParameters parameters;
  };
  std::vector<Case> cases;
  for (double tau : {0.0, 0.1, 0.5, 1.0, 1.5, 2.0})
    cases.push_back({LossKind::comp_sum, {.tau = tau}});
  for (double t : {0.01, 0.25, 0.5, 2.0, 10.0})
    cases.push_back({LossKind::temperature_cross_entropy, {.temperature = t}});
  for (double t : {0.001, 0.1, 0.7, 10.0, 1000.0})
    cases.push_back({LossKind::temperature_softmax, {.temperature = t}});
  cases.push_back({LossKind::sigmoid_bce, {}});
  cases.push_back({LossKind::sigmoid_normaliser, {}});
  cases.push_back({LossKind::softplus_normaliser, {}});
  for (auto [a, b] : {std::pair{1.0, 1.0}, std::pair{0.1, 10.0}, std::pair{3.0, -2.0}})
    cases.push_back({LossKind::z_loss, {.a = a, .b = b}});
  for (Format format : kAllFormats) {
    const FastPathCounts before = fast_path_counts();
    std::size_t outputs = 0;
    for (const Case& c : cases) {
      INFO("loss kind " << static_cast<int>(c.kind) << " tau " << c.parameters.tau << " T "
                        << c.parameters.temperature);
      outputs += require_fast_path_matches_mpfr(
          format, [&c](auto x, Format f, std::size_t y, const ReferenceOptions& o) {
            return evaluate_loss_row(c.kind, c.parameters, x, f, y, o);
          });
    }
    const FastPathCounts after = fast_path_counts();
    const auto fast = after.loss_fast_rows - before.loss_fast_rows;
    const auto fallback = after.loss_fallback_rows - before.loss_fallback_rows;
    WARN(name(format) << ": " << outputs << " loss-family outputs identical; fast path " << fast
                      << " rows, MPFR fallback " << fallback);
    // The fast path must carry the bulk (the special rows, collapsed sums at the maximum and
    // the Z-loss's cancelling sums fall back).
    CHECK((fast > 3 * fallback || !fast_path_available()));
  }
}

TEST_CASE("the backward ops' fast path gives the MPFR path's results on every family and format") {
  ReferenceOptions mpfr;
  mpfr.fast_path = false;
  const std::uint64_t seed = testing::seed();
  for (Format format : kAllFormats) {
    const FastPathCounts before = fast_path_counts();
    std::size_t outputs = 0;
    for (Op op : {Op::softmax_backward, Op::log_softmax_backward}) {
      for (const Family& family : families()) {
        const std::uint64_t family_s = family_seed(seed, family.name);
        auto batches = family.generate(format, Suite::quick, family_s);
        for (std::size_t b = 0; b < batches.size(); ++b) {
          add_op_inputs(batches[b], op, family_s, b);
          for (std::size_t r = 0; r < batches[b].rows; ++r) {
            const RowInputs row = row_inputs(batches[b], r);
            const OpRow want = evaluate_op_row(op, row, format, {}, mpfr);
            const OpRow got = evaluate_op_row(op, row, format, {}, ReferenceOptions{});
            for (std::size_t i = 0; i < want.elements.size(); ++i) {
              INFO(name(op) << " " << family.name << " " << name(format) << " row " << r
                            << " element " << i);
              require_same(got.elements[i], want.elements[i]);
              ++outputs;
            }
          }
        }
      }
    }
    const FastPathCounts after = fast_path_counts();
    const auto fast = after.backward_fast_rows - before.backward_fast_rows;
    const auto fallback = after.backward_fallback_rows - before.backward_fallback_rows;
    const auto partial = after.backward_partial_rows - before.backward_partial_rows;
    WARN(name(format) << ": " << outputs << " backward outputs identical; fast path " << fast
                      << " rows, some outputs in MPFR " << partial << ", MPFR fallback "
                      << fallback);
    // Rows with special values and outputs that cancel far below their sums' terms (and
    // exact zeros) fall back: about a third of the quick suite's rows.
    CHECK((fast > fallback || !fast_path_available()));
  }
}

TEST_CASE("the fast path matches MPFR across double's underflow and the collapse onset") {
  // Rows (g, 0, ..., 0): the other terms e^-g cross double's subnormal range and underflow
  // (g = 708 .. 746 + ln(n - 1)), where the loss and the log-softmax of the maximum collapse.
  // The fast path answers nearly all of them (collapsed rows sum their terms scaled).
  const FastPathCounts before = fast_path_counts();
  std::size_t rows = 0;
  for (Format format : {Format::f64, Format::f32}) {
    for (std::size_t n : {2u, 10u}) {
      for (double g = 700.0; g <= 760.0; g += 0.0625) {
        std::vector<double> x(n, 0.0);
        x[0] = round_to_format(g, format);
        for (std::size_t target : {std::size_t{0}, n - 1}) {
          ReferenceOptions mpfr;
          mpfr.fast_path = false;
          const RowReference want = evaluate_row(x, format, target, mpfr);
          const RowReference got = evaluate_row(x, format, target);
          each_output(got, want, [&](const char* what, const Exact& fast, const Exact& mpfr_value) {
            INFO(name(format) << " n " << n << " gap " << g << " target " << target << " " << what);
            require_same(fast, mpfr_value);
          });
          ++rows;
        }
      }
    }
  }
  const FastPathCounts after = fast_path_counts();
  const auto fast = after.fast_rows - before.fast_rows;
  WARN(rows << " rows across the underflow and collapse onset: fast path " << fast);
  CHECK((fast >= rows * 99 / 100 || !fast_path_available()));
}

TEST_CASE("comp-sum rows past exp's overflow, and with tau L beyond double's range, take the fast path") {
  // (0, -g, 1, -3) with target 1: the cross-entropy L is about g, z = (1 - tau) L. At tau < 1
  // z runs through 700 .. 710 (scaled e^z, decided near 2^1024) and beyond (loss +inf, the
  // gradients +-inf); at tau > 1 a huge L (2^1000) makes tau L overflow, where every
  // gradient_j is +0. Every row must match MPFR and be decided by the fast path (none lies
  // in the band just below 2^1024 that it leaves to MPFR).
  const FastPathCounts before = fast_path_counts();
  std::size_t rows = 0;
  for (Format format : {Format::f64, Format::f32}) {
    for (double tau : {0.0, 0.5, 1.5, 2.0}) {
      for (double g : {701.0, 705.5, 709.0, 712.0, 1352.0, 1500.0, 0x1p+100, 0x1p+1000}) {
        const double gap = round_to_format(g, format);
        if (!std::isfinite(gap)) continue;
        const std::vector<double> x{0.0, -gap, 1.0, -3.0};
        ReferenceOptions mpfr;
        mpfr.fast_path = false;
        const LossReference want = evaluate_loss_row(LossKind::comp_sum, {.tau = tau}, x, format, 1, mpfr);
        const LossReference got = evaluate_loss_row(LossKind::comp_sum, {.tau = tau}, x, format, 1);
        each_output(got, want, [&](const char* what, const Exact& fast, const Exact& mpfr_value) {
          INFO(name(format) << " tau " << tau << " gap " << gap << " " << what);
          require_same(fast, mpfr_value);
        });
        ++rows;
      }
    }
  }
  const FastPathCounts after = fast_path_counts();
  const auto fallback = after.loss_fallback_rows - before.loss_fallback_rows;
  WARN(rows << " comp-sum rows past overflow: MPFR fallback " << fallback);
  CHECK((fallback == 0 || !fast_path_available()));
}

TEST_CASE("decide_small rounds a half-integer high part by its low part") {
  // X = (1 + 2^-52 + 2^-55) 2^-1023, a subnormal: on double's grid there (2^-1074) it is
  // y = 2^51 + 1/2 + 1/16 units, whose high part 2^51 + 1/2 alone is a tie. The nearest unit
  // is 2^51 + 1, 7/16 of a unit below X.
  const fp::dd::Dd q{0x1.0000000000001p+0, 0x1p-55};
  const auto got = fast::decide_small(q, -1023, 0x1p-100, Format::f64);
  REQUIRE(got.has_value());
  CHECK(got->exact_hi == (0x1p+51 + 1) * 0x1p-1074);
  CHECK(got->rounded == got->exact_hi);
  CHECK(got->exact_lo == -0x1.cp-2 * 0x1p-1074);
  // The mirror image: a negative low part rounds the tie down.
  const auto below = fast::decide_small({0x1.0000000000001p+0, -0x1p-55}, -1023, 0x1p-100, Format::f64);
  REQUIRE(below.has_value());
  CHECK(below->exact_hi == 0x1p+51 * 0x1p-1074);
  CHECK(below->exact_lo == 0x1.cp-2 * 0x1p-1074);
}

TEST_CASE("a backward row with one cancelling output leaves only that output to MPFR") {
  // softmax backward: y = (1/2, 1/4, 1/4), dy = (1, 2, 0): s = <y, dy> = 1, so dy_0 - s = 0
  // exactly (its sign in doubt for any bound) while the others are +-1. log-softmax
  // backward: y = (-1, -2, 0), dy = (1, -1, 0.5): S = 0.5 and dy_2 - e^0 S = 0 exactly.
  struct Case {
    bool log_softmax;
    std::vector<double> y, dy;
    std::size_t cancelling;
  };
  const std::vector<Case> cases{{false, {0.5, 0.25, 0.25}, {1.0, 2.0, 0.0}, 0},
                                {true, {-1.0, -2.0, 0.0}, {1.0, -1.0, 0.5}, 2}};
  for (const Case& c : cases) {
    const auto row = try_fast_backward_row(c.log_softmax, c.y, c.dy, Format::f32);
    if (!fast_path_available()) {
      REQUIRE_FALSE(row.has_value());
      continue;
    }
    REQUIRE(row.has_value());
    CHECK(row->undecided == std::vector<std::size_t>{c.cancelling});
    ReferenceOptions mpfr;
    mpfr.fast_path = false;
    const Op op = c.log_softmax ? Op::log_softmax_backward : Op::softmax_backward;
    const auto want = c.log_softmax ? log_softmax_backward_row(c.y, c.dy, Format::f32, mpfr)
                                    : softmax_backward_row(c.y, c.dy, Format::f32, mpfr);
    const auto got = c.log_softmax ? log_softmax_backward_row(c.y, c.dy, Format::f32)
                                   : softmax_backward_row(c.y, c.dy, Format::f32);
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      INFO(name(op) << " output " << i);
      require_same(got[i], want[i]);
    }
    CHECK(got[c.cancelling].rounded == 0.0);
  }
}

TEST_CASE("the sigmoid normaliser decides entries far below exp's range without MPFR") {
  // sigmoid(x - ln n) of x below -750 is below 2^-1082: +0 in double and every format; from
  // -750 to -745 the value lies near double's smallest subnormal and is decided scaled.
  for (Format format : {Format::f64, Format::f32}) {
    const std::vector<double> x{round_to_format(-800.0, format), round_to_format(-747.25, format),
                                1.0, -2.0};
    const auto fast = try_fast_loss_row(LossKind::sigmoid_normaliser, {}, x, format, 0);
    if (!fast_path_available()) continue;
    REQUIRE(fast.has_value());
    ReferenceOptions mpfr;
    mpfr.fast_path = false;
    const LossReference want = evaluate_loss_row(LossKind::sigmoid_normaliser, {}, x, format, 0, mpfr);
    for (std::size_t i = 0; i < x.size(); ++i) {
      INFO(name(format) << " entry " << i);
      require_same(fast->gradient[i], want.gradient[i]);
    }
    CHECK(fast->gradient[0].exact_hi == 0.0);
  }
}

TEST_CASE("the Z-loss fast path gives an n = 2 row its exactly zero gradient") {
  // With e_c = 0 and e_j = d, P_j = d^2 - d d and R = d^2 - d^2 vanish: every gradient is +0
  // (as the MPFR path's exact zeros), with no cancelling sum to send the row to MPFR.
  for (std::size_t target : {std::size_t{0}, std::size_t{1}}) {
    const std::vector<double> x{1.5, -2.0};
    const auto fast = try_fast_loss_row(LossKind::z_loss, {.a = 1.0, .b = 1.0}, x, Format::f32, target);
    if (!fast_path_available()) continue;
    REQUIRE(fast.has_value());
    ReferenceOptions mpfr;
    mpfr.fast_path = false;
    const LossReference want =
        evaluate_loss_row(LossKind::z_loss, {.a = 1.0, .b = 1.0}, x, Format::f32, target, mpfr);
    each_output(*fast, want, [&](const char* what, const Exact& g, const Exact& w) {
      INFO("target " << target << " " << what);
      require_same(g, w);
    });
    CHECK(std::signbit(fast->gradient[0].rounded) == false);
  }
}
