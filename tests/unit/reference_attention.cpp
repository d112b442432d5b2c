// The attention reference (reference/attention_reference.hpp): its double-double path agrees
// bit for bit with its MPFR path on every family case; against a different oracle - exact
// arithmetic on cases whose exact result is known in closed form (one key: O = V and LSE = the
// score; equal scores: O = the mean of V, ties of the format included); and the special rows.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/attention_families.hpp"
#include "core/rng.hpp"
#include "reference/attention_reference.hpp"
#include "reference/fast_row.hpp"
#include "test_seed.hpp"

namespace softcheck {
namespace {

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

AttentionCase uniform_case(Format f, std::size_t lk, const std::vector<double>& v_column) {
  AttentionCase c;
  c.format = f;
  c.shape = {1, lk, 1};
  c.q.assign(1, 0.0);  // every score 0
  c.k.assign(lk, 1.0);
  c.v = v_column;
  c.apply_mask();
  return c;
}

}  // namespace

TEST_CASE("the double-double path and the MPFR path give the same roundings on every family case") {
  if (!reference::fast_path_available()) return;
  std::size_t fast_rows = 0, undecided_rows = 0;
  for (Format f : {Format::f64, Format::f32, Format::bf16, Format::f16})
    for (const AttentionFamily* family : attention_families_in(Suite::quick)) {
      const auto cases = family->generate(f, Suite::quick, family_seed(testing::seed(), family->name));
      for (std::size_t ci = 0; ci < cases.size(); ++ci) {
        const AttentionCase& c = cases[ci];
        const Format lse_format = f == Format::f64 ? Format::f64 : Format::f32;
        for (std::size_t i = 0; i < c.shape.lq; ++i) {
          const auto fast = reference::fast_attention_row(c, i, lse_format);
          if (!fast) {
            ++undecided_rows;
            continue;
          }
          ++fast_rows;
          const auto exact = reference::mpfr_attention_row(c, i, lse_format, {});
          INFO(family->name << " " << name(f) << " case " << ci << " row " << i);
          for (std::size_t j = 0; j < c.shape.d; ++j) {
            REQUIRE(same(fast->out[j].rounded, exact.out[j].rounded));
            REQUIRE(same(fast->out[j].exact_hi, exact.out[j].exact_hi));
          }
          REQUIRE(same(fast->lse.rounded, exact.lse.rounded));
        }
      }
    }
  CHECK(fast_rows > 1000);     // the comparison ran
  CHECK(undecided_rows > 0);   // and some rows needed MPFR (fully masked rows at least)
}

TEST_CASE("one attended key: O is V and LSE is the score, exactly") {
  AttentionCase c;
  c.format = Format::f32;
  c.shape = {1, 3, 2};
  c.q = {0x1.000002p0, 0x1.8p-3};
  c.k = {0x1.000002p0, 3.0, 5.0, 7.0, -1.0, 2.0};  // scores: q.k * scale, keys 1 and 2 masked
  c.v = {0x1.234566p-3, -7.5, 1, 2, 3, 4};
  c.parameters.scale = 1.0;
  c.mask.kind = MaskKind::key_padding;
  c.mask.valid_keys = 1;
  c.apply_mask();
  const auto ref = reference::attention_reference(c, Format::f32);
  CHECK(ref.out[0].rounded == 0x1.234566p-3);
  CHECK(ref.out[1].rounded == -7.5);
  // The score 0x1.000002p0^2 + 0x1.8p-3 * 3 = 1 + 2^-22 + 2^-46 + 0.5625 is no f32 value:
  // correctly rounded it is 1.5625 + 2^-22 (the 2^-46 is far below half an ulp, 2^-24).
  CHECK(ref.lse[0].rounded == 1.5625 + 0x1p-22);
}

TEST_CASE("equal scores: O is the mean of V correctly rounded, ties of the format included") {
  // V = 1 + 2^-23 and 1 + 2^-22 average to 1 + 3 * 2^-24, exactly halfway between the f32
  // values 1 + 2^-23 and 1 + 2^-22: ties to even give 1 + 2^-22.
  const auto tie = reference::attention_reference(uniform_case(Format::f32, 2, {1 + 0x1p-23, 1 + 0x1p-22}),
                                                  Format::f32);
  CHECK(tie.out[0].rounded == 1 + 0x1p-22);
  CHECK(tie.out[0].exact_hi == 1 + 3 * 0x1p-24);
  // The mean of 1024 random f32 values near 1 is exact in double: compare every rounding.
  Rng rng(testing::seed());
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> v(1024);
    double sum = 0.0;
    for (double& x : v) {
      x = round_to_format(1.0 + rng.uniform(), Format::f32);
      sum += x;  // exact: 1024 values of 24 bits in [1, 2) sum below 2^53
    }
    const auto ref = reference::attention_reference(uniform_case(Format::f32, 1024, v), Format::f32);
    CHECK(ref.out[0].rounded == round_to_format(sum / 1024, Format::f32));
    // log 1024 = 6.93147180559945...: far from any f32 tie, so rounding libm's double is safe.
    CHECK(ref.lse[0].rounded == round_to_format(std::log(1024.0), Format::f32));
  }
}

TEST_CASE("fully masked rows follow the special-value table; finite sentinels are ordinary scores") {
  AttentionCase c;
  c.format = Format::f32;
  c.shape = {2, 3, 1};
  c.q = {1, 1};
  c.k = {1, 2, 3};
  c.v = {1, 2, 3};
  c.mask.kind = MaskKind::causal;
  c.mask.query_offset = -1;  // row 0 sees nothing, row 1 sees key 0
  c.apply_mask();
  const auto ref = reference::attention_reference(c, Format::f32);
  CHECK(std::isnan(ref.out[0].rounded));
  CHECK(ref.lse[0].rounded == -HUGE_VAL);
  CHECK(ref.out[1].rounded == 1.0);
  c.mask.additive = true;
  c.mask.sentinel = -5e4;  // every key of row 0 at -5e4: softmax of the shifted scores
  c.apply_mask();
  const auto sentinel = reference::attention_reference(c, Format::f32);
  CHECK(std::isfinite(sentinel.out[0].rounded));
  CHECK(sentinel.out[0].rounded > 2.0);  // weights e^1, e^2, e^3 over V = 1, 2, 3
}

}  // namespace softcheck
