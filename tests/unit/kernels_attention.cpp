// The built-in attention kernels (attention_naive.cpp, attention_flash2.cpp,
// attention_split_kv.cpp, registered by attention_register.cpp) against a long double model of
// the same head, on small random cases: masks of every kind, softcap, key counts that are not a
// multiple of the tile, a single key, several query tiles. A sanity test, not the gate: the
// tolerances are normwise and generous. Also: fully masked rows as each kernel declares them,
// the 8-bit rounding of core/fp8.hpp on known values, and each planted bug
// (tests/fixtures/planted_attention.hpp) against the correct flash2 on an input that triggers it.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/attention.hpp"
#include "core/format.hpp"
#include "core/fp8.hpp"
#include "core/rng.hpp"
#include "kernels/attention_kernel.hpp"
#include "planted_attention.hpp"
#include "test_seed.hpp"
#include "test_values.hpp"

using namespace softcheck;

using softcheck::test::kInf;
using softcheck::test::kNaN;

namespace {

const AttentionRegistry& builtin_registry() {
  static const AttentionRegistry registry = [] {
    AttentionRegistry r;
    register_builtin_attention_kernels(r);
    return r;
  }();
  return registry;
}

const AttentionKernel& builtin(const std::string& name) {
  const std::vector<const AttentionKernel*> found = builtin_registry().match(name);
  INFO("built-in attention kernel " << name);
  REQUIRE(found.size() == 1);
  return *found.front();
}

struct Result {
  std::vector<double> out;  // lq x d
  std::vector<double> lse;  // lq
};

// Runs the kernel on the case with every output preset to NaN (an unwritten one shows).
Result run(const AttentionKernel& kernel, const AttentionCase& c) {
  AttentionBuffers buffers(c, true);
  buffers.clear_outputs(kNaN);
  kernel.run(buffers.call());
  return {buffers.out(), buffers.lse()};
}

// ---- the long double model ----------------------------------------------------------------

struct ModelRow {
  bool fully_masked = false;
  std::vector<long double> out;  // d
  long double lse = 0;
  // max over attended keys of scale * sum_j |q_ij k_kj| + |bias_ik|, at least 1: what the
  // rounding errors of the scores scale with.
  double amplification = 1;
};

long double model_score(const AttentionCase& c, std::size_t i, std::size_t k) {
  const std::size_t d = c.shape.d;
  if (!c.attended(i, k)) return -HUGE_VALL;
  long double dot = 0;
  for (std::size_t j = 0; j < d; ++j)
    dot += static_cast<long double>(c.q[i * d + j]) * static_cast<long double>(c.k[k * d + j]);
  long double s = static_cast<long double>(c.scale()) * dot;
  const long double cap = c.parameters.softcap;
  if (cap > 0) s = cap * std::tanh(s / cap);
  if (!c.bias.empty()) s += static_cast<long double>(c.bias[i * c.shape.lk + k]);
  return s;
}

double amplification(const AttentionCase& c, std::size_t i) {
  const std::size_t d = c.shape.d;
  double worst = 1;
  for (std::size_t k = 0; k < c.shape.lk; ++k) {
    if (!c.attended(i, k)) continue;
    double magnitude = 0;
    for (std::size_t j = 0; j < d; ++j) magnitude += std::fabs(c.q[i * d + j] * c.k[k * d + j]);
    magnitude *= c.scale();
    if (!c.bias.empty() && std::isfinite(c.bias[i * c.shape.lk + k]))
      magnitude += std::fabs(c.bias[i * c.shape.lk + k]);
    worst = std::max(worst, magnitude);
  }
  return worst;
}

ModelRow model_row(const AttentionCase& c, std::size_t i) {
  const std::size_t lk = c.shape.lk, d = c.shape.d;
  ModelRow row;
  row.amplification = amplification(c, i);
  std::vector<long double> s(lk);
  long double m = -HUGE_VALL;
  for (std::size_t k = 0; k < lk; ++k) {
    s[k] = model_score(c, i, k);
    m = std::max(m, s[k]);
  }
  if (m == -HUGE_VALL) {
    row.fully_masked = true;
    return row;
  }
  long double l = 0;
  row.out.assign(d, 0);
  for (std::size_t k = 0; k < lk; ++k) {
    const long double e = std::exp(s[k] - m);
    l += e;
    for (std::size_t j = 0; j < d; ++j) row.out[j] += e * static_cast<long double>(c.v[k * d + j]);
  }
  for (long double& o : row.out) o /= l;
  row.lse = m + std::log(l);
  return row;
}

// ---- random cases -------------------------------------------------------------------------

struct CaseSpec {
  const char* label;
  AttentionShape shape;
  AttentionMask mask;
  double softcap = 0;
  double q_amplitude = 1;  // q scaled by this (large scores for the softcap case)
};

AttentionMask mask_of(MaskKind kind, std::int64_t offset = 0, std::size_t window = 0,
                      std::size_t valid_keys = 0, bool additive = false, double sentinel = -kInf) {
  AttentionMask mask;
  mask.kind = kind;
  mask.query_offset = offset;
  mask.window = window;
  mask.valid_keys = valid_keys;
  mask.additive = additive;
  mask.sentinel = sentinel;
  return mask;
}

// The sentinel of a finite additive mask (the flashinfer-style large negative value).
constexpr double kFiniteSentinel = -5e4;

std::vector<CaseSpec> case_specs() {
  return {
      {"no mask, lk = 70 (not a multiple of any tile)", {5, 70, 8}, mask_of(MaskKind::none)},
      {"causal, bottom-right offset", {7, 100, 4}, mask_of(MaskKind::causal, 93)},
      {"causal, negative offset (fully masked rows)", {6, 6, 4}, mask_of(MaskKind::causal, -2)},
      {"sliding window 40", {10, 130, 8}, mask_of(MaskKind::sliding_window, 120, 40)},
      {"key padding 50 of 129", {4, 129, 8}, mask_of(MaskKind::key_padding, 0, 0, 50)},
      {"additive -inf causal, fully masked rows",
       {6, 67, 4},
       mask_of(MaskKind::causal, -1, 0, 0, true)},
      {"additive finite sentinel",
       {5, 40, 4},
       mask_of(MaskKind::causal, -1, 0, 0, true, kFiniteSentinel)},
      {"softcap 30", {4, 90, 8}, mask_of(MaskKind::none), 30.0, 12.0},
      {"lk = 1", {3, 1, 8}, mask_of(MaskKind::none)},
      {"lq = 70 (two query tiles), lk = 33", {70, 33, 4}, mask_of(MaskKind::causal, 0)},
  };
}

double random_value(Rng& rng, Format format, double amplitude) {
  return round_to_format(amplitude * rng.normal(), format);
}

AttentionCase random_case(const CaseSpec& spec, Format format, std::uint64_t seed) {
  Rng rng(seed);
  AttentionCase c;
  c.format = format;
  c.shape = spec.shape;
  c.parameters.softcap = spec.softcap;
  c.mask = spec.mask;
  const std::size_t d = spec.shape.d;
  for (std::size_t n = 0; n < spec.shape.lq * d; ++n)
    c.q.push_back(random_value(rng, format, spec.q_amplitude));
  for (std::size_t n = 0; n < spec.shape.lk * d; ++n) c.k.push_back(random_value(rng, format, 1));
  for (std::size_t n = 0; n < spec.shape.lk * d; ++n) c.v.push_back(random_value(rng, format, 1));
  c.apply_mask();
  validate(c);
  return c;
}

// ---- tolerances ---------------------------------------------------------------------------

// The sanity tolerance of the storage format, relative to the amplification (errors in the
// scores) times max |V| (the normwise scale of O).
double storage_tolerance(Format storage) {
  switch (storage) {
    case Format::f64: return 1e-12;
    case Format::f32: return 1e-5;
    case Format::bf16:
    case Format::f16: return 2e-2;
  }
  return 0;
}

// Rounding P to a format with unit roundoff u perturbs each p by at most u relative (plus the
// subnormal spacing h absolutely), so O = sum p~ V / sum p~ moves by at most
// (2u / (1 - u) + 2 lk h) max |V| (at most 0.13 + 2 lk 2^-10 for e4m3).
double p_tolerance(const AttentionFormats& formats, std::size_t lk) {
  if (formats.p == PFormat::none) return 0;
  const double u = unit_roundoff(formats.p, formats.accumulation);
  const double h = subnormal_half_spacing(formats.p, formats.accumulation);
  return 2 * u / (1 - u) + 2 * static_cast<double>(lk) * h;
}

double max_abs_v(const AttentionCase& c, std::size_t column) {
  double worst = 0;
  for (std::size_t k = 0; k < c.shape.lk; ++k)
    worst = std::max(worst, std::fabs(c.v[k * c.shape.d + column]));
  return worst;
}

void check_masked_row(const AttentionKernel& kernel, const Result& result, std::size_t i,
                      std::size_t d) {
  for (std::size_t j = 0; j < d; ++j) {
    const double o = result.out[i * d + j];
    if (kernel.declared.masked_row == MaskedRowOutput::nan)
      CHECK(std::isnan(o));
    else
      CHECK(o == 0.0);
  }
  CHECK(result.lse[i] == kernel.declared.masked_row_lse);
}

void check_row(const AttentionKernel& kernel, const AttentionCase& c, const Result& result,
               std::size_t i) {
  const std::size_t d = c.shape.d;
  const ModelRow row = model_row(c, i);
  INFO("row " << i);
  if (row.fully_masked) return check_masked_row(kernel, result, i, d);
  const double tolerance = storage_tolerance(kernel.formats.storage) * row.amplification +
                           p_tolerance(kernel.formats, c.shape.lk);
  for (std::size_t j = 0; j < d; ++j) {
    const double expected = static_cast<double>(row.out[j]);
    INFO("column " << j << ": got " << result.out[i * d + j] << ", expected " << expected);
    CHECK(std::fabs(result.out[i * d + j] - expected) <=
          tolerance * std::max(1.0, max_abs_v(c, j)));
  }
  const double lse = static_cast<double>(row.lse);
  INFO("lse: got " << result.lse[i] << ", expected " << lse);
  CHECK(std::fabs(result.lse[i] - lse) <= tolerance * std::max(1.0, std::fabs(lse)));
}

// ---- hand-made cases for the planted bugs --------------------------------------------------

// One f32 head with scale 1 and no mask.
AttentionCase f32_head(AttentionShape shape, std::vector<double> q, std::vector<double> k,
                       std::vector<double> v) {
  AttentionCase c;
  c.format = Format::f32;
  c.shape = shape;
  c.parameters.scale = 1.0;
  c.q = std::move(q);
  c.k = std::move(k);
  c.v = std::move(v);
  c.apply_mask();
  return c;
}

// lk keys of head dimension 1 for a single query q = 1: score of key n = k[n].
AttentionCase scores_head(const std::vector<double>& scores, const std::vector<double>& v) {
  return f32_head({1, scores.size(), 1}, {1.0}, scores, v);
}

void use_explicit_keep(AttentionCase& c, const std::vector<std::uint8_t>& keep) {
  c.mask.kind = MaskKind::explicit_keep;
  c.keep = keep;
  c.apply_mask();
  validate(c);
}

}  // namespace

TEST_CASE("attention: the built-in kernels are registered once, under their names", "[attention]") {
  const std::set<std::string> expected = {
      "builtin/attention/f64/naive",
      "builtin/attention/f64/flash2-bq64-bk64",
      "builtin/attention/f64/split-kv4-bk64",
      "builtin/attention/f32/naive",
      "builtin/attention/f32/flash2-bq64-bk64",
      "builtin/attention/f32/flash2-bq16-bk32",
      "builtin/attention/f32/split-kv4-bk64",
      "builtin/attention/f32/flash2-bq64-bk64-pbf16",
      "builtin/attention/f32/flash2-bq64-bk64-pe4m3",
      "builtin/attention/f32/flash2-bq64-bk64-pe5m2",
      "builtin/attention/bf16/naive",
      "builtin/attention/bf16/flash2-bq64-bk64",
      "builtin/attention/bf16/flash2-bq64-bk64-pe4m3",
      "builtin/attention/f16/naive",
      "builtin/attention/f16/flash2-bq64-bk64",
      "builtin/attention/f16/flash2-bq64-bk64-pe5m2",
  };
  AttentionRegistry registry;
  register_builtin_attention_kernels(registry);
  register_builtin_attention_kernels(registry);  // idempotent
  std::set<std::string> names;
  for (const AttentionKernel& kernel : registry.all()) {
    names.insert(kernel.name());
    CHECK(kernel.provides_lse);
    const bool naive = kernel.algorithm == "naive";
    CHECK(kernel.declared.masked_row == (naive ? MaskedRowOutput::nan : MaskedRowOutput::zero));
    CHECK(kernel.declared.masked_row_lse == (naive ? -kInf : kInf));
    const bool wide = kernel.formats.storage == Format::f64;
    CHECK(kernel.formats.accumulation == (wide ? Format::f64 : Format::f32));
  }
  CHECK(registry.all().size() == expected.size());
  CHECK(names == expected);
  CHECK(builtin("builtin/attention/bf16/naive").formats.p == PFormat::bf16);
  CHECK(builtin("builtin/attention/bf16/flash2-bq64-bk64").formats.p == PFormat::bf16);
  CHECK(builtin("builtin/attention/f16/flash2-bq64-bk64").formats.p == PFormat::f16);
  CHECK(builtin("builtin/attention/f16/flash2-bq64-bk64-pe5m2").formats.p == PFormat::e5m2);
  CHECK(builtin("builtin/attention/f32/flash2-bq64-bk64").formats.p == PFormat::none);
}

TEST_CASE("attention: every built-in kernel agrees with the long double model", "[attention]") {
  const std::vector<CaseSpec> specs = case_specs();
  for (const AttentionKernel& kernel : builtin_registry().all()) {
    for (std::size_t n = 0; n < specs.size(); ++n) {
      const CaseSpec& spec = specs[n];
      INFO(kernel.name() << ", case: " << spec.label);
      const AttentionCase c =
          random_case(spec, kernel.formats.storage, derive_seed(softcheck::testing::seed(), n));
      const Result result = run(kernel, c);
      for (std::size_t i = 0; i < c.shape.lq; ++i) check_row(kernel, c, result, i);
    }
  }
}

TEST_CASE("attention: fully masked rows - naive NaN and LSE -inf, flash2 and split-kv 0 and +inf",
          "[attention]") {
  AttentionCase c = f32_head({2, 3, 2}, {1, 2, 3, 4}, {1, 0, 0, 1, 1, 1}, {1, 2, 3, 4, 5, 6});
  use_explicit_keep(c, {0, 0, 0, 1, 0, 1});  // row 0 attends nothing
  const Result naive = run(builtin("builtin/attention/f32/naive"), c);
  CHECK(std::isnan(naive.out[0]));
  CHECK(std::isnan(naive.out[1]));
  CHECK(naive.lse[0] == -kInf);
  for (const char* name :
       {"builtin/attention/f32/flash2-bq64-bk64", "builtin/attention/f32/flash2-bq16-bk32",
        "builtin/attention/f32/split-kv4-bk64"}) {
    INFO(name);
    const Result flash = run(builtin(name), c);
    CHECK(flash.out[0] == 0.0);
    CHECK(flash.out[1] == 0.0);
    CHECK(flash.lse[0] == kInf);
    CHECK(std::isfinite(flash.out[2]));
    CHECK(flash.out[2] == Approx(naive.out[2]).epsilon(1e-6));
    CHECK(flash.lse[1] == Approx(naive.lse[1]).epsilon(1e-6));
  }
}

TEST_CASE("attention: split-kv with more splits than keys, and empty chunks", "[attention]") {
  // lk = 2 over 4 splits: chunks of one key, the last two empty.
  const AttentionCase c = f32_head({1, 2, 1}, {1.0}, {0.5, -0.25}, {3.0, -1.0});
  const Result split = run(builtin("builtin/attention/f32/split-kv4-bk64"), c);
  const Result naive = run(builtin("builtin/attention/f32/naive"), c);
  CHECK(split.out[0] == Approx(naive.out[0]).epsilon(1e-6));
  CHECK(split.lse[0] == Approx(naive.lse[0]).epsilon(1e-6));
}

TEST_CASE("attention: round_to_p_format on known values", "[attention][fp8]") {
  const double min_subnormal_e4m3 = std::ldexp(1.0, -9);  // 2^(-6 - 3)
  SECTION("e4m3: saturating at 448, subnormals down to 2^-9, ties to even") {
    const PFormat f = PFormat::e4m3;
    CHECK(round_to_p_format(448.0, f) == 448.0);
    CHECK(round_to_p_format(464.0, f) == 448.0);  // the tie beyond the top saturates
    CHECK(round_to_p_format(1e6, f) == 448.0);
    CHECK(round_to_p_format(-464.0, f) == -448.0);
    CHECK(round_to_p_format(0.0009765625 * 0.99, f) == 0.0);  // below 2^-10, half of 2^-9
    CHECK(round_to_p_format(0.0009765625, f) == 0.0);         // the tie 2^-10 goes to even 0
    CHECK(round_to_p_format(min_subnormal_e4m3, f) == min_subnormal_e4m3);
    CHECK(round_to_p_format(3 * std::ldexp(1.0, -10), f) == std::ldexp(1.0, -8));  // 1.5 ulp
    CHECK(round_to_p_format(1.0625, f) == 1.0);   // between 1 and 1.125: even
    CHECK(round_to_p_format(1.1875, f) == 1.25);  // between 1.125 and 1.25: even
    CHECK(round_to_p_format(0.3, f) == 0.3125);
    CHECK(std::isnan(round_to_p_format(kNaN, f)));
  }
  SECTION("e5m2: 57344 the largest, overflow to infinity, ties to even") {
    const PFormat f = PFormat::e5m2;
    CHECK(round_to_p_format(57344.0, f) == 57344.0);
    CHECK(round_to_p_format(60000.0, f) == 57344.0);
    CHECK(round_to_p_format(61440.0, f) == kInf);  // the tie beyond the top
    CHECK(round_to_p_format(-61440.0, f) == -kInf);
    CHECK(round_to_p_format(1.125, f) == 1.0);  // between 1 and 1.25: even
    CHECK(round_to_p_format(1.375, f) == 1.5);  // between 1.25 and 1.5: even
    CHECK(round_to_p_format(std::ldexp(1.0, -16), f) == std::ldexp(1.0, -16));
    CHECK(round_to_p_format(std::ldexp(1.0, -17), f) == 0.0);  // the tie at half: even 0
  }
  SECTION("none, bf16, f16") {
    CHECK(round_to_p_format(0.1, PFormat::none) == 0.1);
    CHECK(round_to_p_format(0.1, PFormat::bf16) == round_to_format(0.1, Format::bf16));
    CHECK(round_to_p_format(0.1, PFormat::f16) == round_to_format(0.1, Format::f16));
    CHECK(parse_p_format("e4m3") == PFormat::e4m3);
    CHECK_FALSE(parse_p_format("e3m4").has_value());
  }
}

TEST_CASE("attention: the planted loop with default knobs is the built-in flash2 bit for bit",
          "[attention][planted]") {
  using planted_attention::Knobs;
  Knobs fp8;
  fp8.p = PFormat::e4m3;
  const std::vector<std::pair<AttentionKernel, std::string>> pairs = {
      {planted_attention::make_kernel("correct", Knobs{}),
       "builtin/attention/f32/flash2-bq64-bk64"},
      {planted_attention::make_kernel("correct-pe4m3", fp8),
       "builtin/attention/f32/flash2-bq64-bk64-pe4m3"},
  };
  const std::vector<CaseSpec> specs = case_specs();
  for (const auto& [replica, name] : pairs) {
    for (std::size_t n = 0; n < specs.size(); ++n) {
      INFO(name << ", case: " << specs[n].label);
      const AttentionCase c =
          random_case(specs[n], Format::f32, derive_seed(softcheck::testing::seed(), 100 + n));
      const Result expected = run(builtin(name), c);
      const Result got = run(replica, c);
      for (std::size_t e = 0; e < got.out.size(); ++e)
        CHECK((got.out[e] == expected.out[e] ||
               (std::isnan(got.out[e]) && std::isnan(expected.out[e]))));
      CHECK(got.lse == expected.lse);
    }
  }
}

TEST_CASE("attention: each planted bug differs from the correct flash2 where it triggers",
          "[attention][planted]") {
  const AttentionKernel& flash2 = builtin("builtin/attention/f32/flash2-bq64-bk64");
  const AttentionKernel& flash2_e4m3 = builtin("builtin/attention/f32/flash2-bq64-bk64-pe4m3");

  SECTION("max-init-5e4: every score below -5e4 gives O = 0") {
    // q = 300, k = -300 - n: scores -9e4 - 300 n.
    const AttentionCase c = f32_head({1, 4, 1}, {300}, {-300, -301, -302, -303}, {1, 2, 3, 4});
    const Result good = run(flash2, c);
    const Result bad = run(planted_attention::finite_max_init(), c);
    CHECK(good.out[0] == Approx(1.0));  // key 0 dominates by e^300
    CHECK(bad.out[0] == 0.0);
  }
  SECTION("max-reset-0: a fully masked first tile, then scores of -300, gives O = 0") {
    std::vector<double> k(128, -300.0), v(128);
    std::vector<std::uint8_t> keep(128, 1);
    for (std::size_t n = 0; n < 128; ++n) v[n] = static_cast<double>(n % 4);
    for (std::size_t n = 0; n < 64; ++n) keep[n] = 0;
    AttentionCase c = scores_head(k, v);
    use_explicit_keep(c, keep);
    const Result good = run(flash2, c);
    const Result bad = run(planted_attention::max_reset_after_masked_tile(), c);
    CHECK(good.out[0] == Approx(1.5));  // the mean of V over keys 64..127
    CHECK(bad.out[0] == 0.0);
  }
  SECTION("softcap-dropped: scores 100 and 50 under softcap 30") {
    AttentionCase c = f32_head({1, 2, 1}, {10}, {10, 5}, {0, 1});
    c.parameters.softcap = 30.0;
    const Result good = run(flash2, c);
    const Result bad = run(planted_attention::softcap_dropped(), c);
    const double capped_gap = 30 * (std::tanh(100.0 / 30) - std::tanh(50.0 / 30));
    CHECK(good.out[0] == Approx(1 / (1 + std::exp(capped_gap))).epsilon(1e-5));
    CHECK(bad.out[0] < 1e-20);
  }
  SECTION("pe4m3-sum-unrounded: 127 keys at -8 vanish from P V but not from l") {
    // exp(-8) = 3.4e-4 < 2^-10: rounds to 0 in e4m3.
    std::vector<double> scores(128, -8.0), v(128, 0.0);
    scores[0] = 0.0;
    v[0] = 1.0;
    const AttentionCase c = scores_head(scores, v);
    const Result good = run(flash2_e4m3, c);
    const Result bad = run(planted_attention::fp8_underflow_unrounded_sum(), c);
    CHECK(good.out[0] == 1.0);
    CHECK(bad.out[0] == Approx(1 / (1 + 127 * std::exp(-8.0))).epsilon(1e-5));
  }
  SECTION("pe4m3-stale-max: a second tile 7 above the first saturates P at 448") {
    std::vector<double> scores(128, 0.0), v(128, 0.0);
    scores[64] = 7.0;
    v[64] = 1.0;
    const AttentionCase c = scores_head(scores, v);
    const Result good = run(flash2_e4m3, c);
    const Result bad = run(planted_attention::fp8_stale_max(), c);
    // Correct: the first tile's 64 ones rescaled by e^-7; the second tile's 63 P = e^-7 < 2^-10
    // underflow in e4m3 and, summed rounded, leave l as well.
    CHECK(good.out[0] == Approx(1 / (1 + 64 * std::exp(-7.0))).epsilon(1e-5));
    CHECK(bad.out[0] == Approx(448.0 / (448.0 + 127)).epsilon(1e-5));
  }
  SECTION("bf16-sum: a uniform row of 512 keys gives l = 256, O = 2 for V = 1") {
    const AttentionCase c =
        scores_head(std::vector<double>(512, 0.0), std::vector<double>(512, 1.0));
    const Result good = run(flash2, c);
    const Result bad = run(planted_attention::bf16_running_sum(), c);
    CHECK(good.out[0] == 1.0);
    CHECK(good.lse[0] == Approx(std::log(512.0)));
    CHECK(bad.out[0] == 2.0);
  }
  SECTION("masked-uniform: a fully masked row averages V while declaring NaN") {
    AttentionCase c = scores_head({0.5, 1.0, 2.0, 3.0}, {1, 2, 3, 4});
    use_explicit_keep(c, {0, 0, 0, 0});
    const AttentionKernel planted = planted_attention::masked_row_uniform();
    const Result good = run(flash2, c);
    const Result bad = run(planted, c);
    CHECK(good.out[0] == 0.0);
    CHECK(good.lse[0] == kInf);
    CHECK(planted.declared.masked_row == MaskedRowOutput::nan);
    CHECK(bad.out[0] == Approx(2.5));  // 1/Lk per key
    CHECK_FALSE(std::isnan(bad.out[0]));
  }
}

TEST_CASE("attention: the planted kernels are named and declared as listed",
          "[attention][planted]") {
  std::set<std::string> names;
  for (const AttentionKernel& kernel : planted_attention::all()) {
    names.insert(kernel.name());
    CHECK(kernel.provider == "planted");
    CHECK(kernel.provides_lse);
    CHECK(kernel.formats.storage == Format::f32);
    const bool uniform = kernel.algorithm == "masked-uniform";
    CHECK(kernel.declared.masked_row == (uniform ? MaskedRowOutput::nan : MaskedRowOutput::zero));
  }
  CHECK(names == std::set<std::string>{
                     "planted/attention/f32/max-init-5e4",
                     "planted/attention/f32/max-reset-0",
                     "planted/attention/f32/softcap-dropped",
                     "planted/attention/f32/pe4m3-sum-unrounded",
                     "planted/attention/f32/pe4m3-stale-max",
                     "planted/attention/f32/bf16-sum",
                     "planted/attention/f32/masked-uniform",
                     "planted/attention/f32/split-kv4-textbook-merge",
                 });
}
