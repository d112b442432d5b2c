// The attention input families (attention_families.hpp). Scores are steered through two
// reserved channels of Q and K: channel d-1 adds a common offset to every score of a query
// row (K[:, d-1] = a power of two, Q[i, d-1] = offset / (scale * that)), channel d-2 raises
// chosen keys by a gap (K[key, d-2] = 1, 0 elsewhere). The other channels are N(0, spread^2).
// Every value is rounded to the format; the offsets are then exact up to that rounding, which
// is the same for every key of the row.
#include "core/attention_families.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "core/rng.hpp"

namespace softcheck {
namespace {

constexpr double kHalfFltMax = static_cast<double>(FLT_MAX) / 2;  // a sentinel some kernels use

// Cases per configuration: quick 1, default 2, deep 4.
std::size_t repeats(Suite suite) {
  return suite == Suite::quick ? 1 : suite == Suite::standard ? 2 : 4;
}

struct Builder {
  Format format;
  Rng rng;

  double rnd(double x) const { return round_to_format(x, format); }

  AttentionCase make(std::size_t lq, std::size_t lk, std::size_t d, double spread = 1.0) {
    AttentionCase c;
    c.format = format;
    c.shape = {lq, lk, d};
    auto fill = [&](std::vector<double>& x, std::size_t n) {
      x.resize(n);
      for (double& value : x) value = rnd(spread * rng.normal());
    };
    fill(c.q, lq * d);
    fill(c.k, lk * d);
    fill(c.v, lk * d);
    return c;
  }

  // Adds about `offset` to every score of every query row (channel d-1).
  void common_offset(AttentionCase& c, double offset) const {
    const std::size_t d = c.shape.d;
    // The key side a power of two that keeps the query side well inside the format.
    double key = 1.0;
    while (std::fabs(offset / (c.scale() * key)) > max_finite(format) / 16 &&
           key * 256 <= max_finite(format) / 16)
      key *= 256;
    for (std::size_t k = 0; k < c.shape.lk; ++k) c.k[k * d + d - 1] = key;
    const double query = rnd(offset / (c.scale() * key));
    for (std::size_t i = 0; i < c.shape.lq; ++i) c.q[i * d + d - 1] = query;
  }

  // Raises the score of each key k by about gaps[k] (channel d-2: K[k, d-2] = gaps[k],
  // Q[i, d-2] = 1 / scale, both rounded to the format).
  void raise_keys(AttentionCase& c, const std::vector<double>& gaps) const {
    const std::size_t d = c.shape.d;
    for (std::size_t k = 0; k < c.shape.lk; ++k) c.k[k * d + d - 2] = rnd(gaps[k]);
    const double one = rnd(1.0 / c.scale());
    for (std::size_t i = 0; i < c.shape.lq; ++i) c.q[i * d + d - 2] = one;
  }
  // Raises the scores of `keys` by about `gap` over the others.
  void raise_keys(AttentionCase& c, const std::vector<std::size_t>& keys, double gap) const {
    std::vector<double> gaps(c.shape.lk, 0.0);
    for (std::size_t k : keys) gaps[k] = gap;
    raise_keys(c, gaps);
  }
  // V in [1, ...): where the contract's bound says nothing (scores no format resolves) the gate
  // still holds O to the convex hull of V, which then excludes the 0 a kernel that lost every
  // weight writes.
  void positive_v(AttentionCase& c) const {
    for (double& v : c.v) v = rnd(1.0 + std::fabs(v));
  }
};

AttentionCase finish(AttentionCase c) {
  c.apply_mask();
  return c;
}

AttentionMask causal(std::int64_t offset) {
  AttentionMask m;
  m.kind = MaskKind::causal;
  m.query_offset = offset;
  return m;
}

using Cases = std::vector<AttentionCase>;

Cases normal(Format f, Suite s, std::uint64_t seed) {
  Builder b{f, Rng(seed)};
  Cases cases;
  const std::size_t shapes[][3] = {{17, 64, 16}, {64, 130, 64}, {1, 200, 32}, {33, 33, 8}};
  for (std::size_t r = 0; r < repeats(s); ++r)
    for (const auto& shape : shapes) {
      const std::size_t lq = shape[0], lk = shape[1], d = shape[2];
      AttentionMask masks[4];
      masks[1] = causal(static_cast<std::int64_t>(lk) - static_cast<std::int64_t>(lq));
      masks[2] = masks[1];
      masks[2].kind = MaskKind::sliding_window;
      masks[2].window = 32;
      masks[3].kind = MaskKind::key_padding;
      masks[3].valid_keys = lk - lk / 3;
      for (const AttentionMask& mask : masks) {
        AttentionCase c = b.make(lq, lk, d);
        c.mask = mask;
        cases.push_back(finish(std::move(c)));
      }
    }
  return cases;
}

// Keys [0, 64) masked for every query row (a fully masked first tile for any key tile up to 64),
// with the other scores around -200, 0 or +200.
Cases masked_first_tile(Format f, Suite s, std::uint64_t seed) {
  Builder b{f, Rng(seed)};
  Cases cases;
  for (std::size_t r = 0; r < repeats(s); ++r)
    for (double offset : {0.0, -200.0, 200.0})
      for (bool additive : {false, true}) {
        AttentionCase c = b.make(8, 200, 32);
        b.common_offset(c, offset);
        c.mask.kind = MaskKind::explicit_keep;
        c.keep.assign(8 * 200, 1);
        for (std::size_t i = 0; i < 8; ++i)
          for (std::size_t k = 0; k < 64; ++k) c.keep[i * 200 + k] = 0;
        c.mask.additive = additive;
        cases.push_back(finish(std::move(c)));
      }
  return cases;
}

// Every score below a finite sentinel some kernels start their running max from.
Cases below_sentinel(Format f, Suite s, std::uint64_t seed) {
  Builder b{f, Rng(seed)};
  Cases cases;
  for (std::size_t r = 0; r < repeats(s); ++r)
    for (double sentinel : {-5e4, -1e4, -kHalfFltMax}) {
      if (-sentinel * 2 > max_finite(f) * 65536) continue;  // beyond what Q K can reach in f16
      AttentionCase c = b.make(4, 150, 16);
      if (sentinel == -kHalfFltMax) c.parameters.scale = 1.0;  // keeps scale * Q K inside f32
      b.common_offset(c, sentinel * 1.2);
      b.positive_v(c);
      cases.push_back(finish(std::move(c)));
    }
  return cases;
}

// Additive masks with -inf or a finite sentinel, including rows masked everywhere by it.
Cases additive_sentinel(Format f, Suite s, std::uint64_t seed) {
  Builder b{f, Rng(seed)};
  Cases cases;
  for (std::size_t r = 0; r < repeats(s); ++r)
    for (double sentinel : {-HUGE_VAL, -5e4, -1e4, -kHalfFltMax}) {
      if (std::isfinite(sentinel) && -sentinel > max_finite(f)) continue;
      AttentionCase c = b.make(12, 96, 16);
      c.mask = causal(-4);  // query rows 0-3 see no key
      c.mask.additive = true;
      c.mask.sentinel = sentinel;
      b.positive_v(c);
      cases.push_back(finish(std::move(c)));
    }
  return cases;
}

// A large common offset on every score: softmax is shift invariant, the kernel must be too.
Cases common_offset(Format f, Suite s, std::uint64_t seed) {
  Builder b{f, Rng(seed)};
  Cases cases;
  for (std::size_t r = 0; r < repeats(s); ++r)
    for (double offset : {1e4, -1e4, 3e4, -3e4}) {
      AttentionCase c = b.make(6, 100, 32);
      b.common_offset(c, offset);
      cases.push_back(finish(std::move(c)));
    }
  return cases;
}

// The row maximum, 20 above the rest, in the last partial tile (key lk - 1, and lk - r for
// the first key of a tail of r keys), for key tiles of 16, 32 and 64.
Cases max_in_last_tile(Format f, Suite s, std::uint64_t seed) {
  Builder b{f, Rng(seed)};
  Cases cases;
  for (std::size_t r = 0; r < repeats(s); ++r)
    for (std::size_t lk : {70, 135, 199})
      for (bool first_of_tail : {false, true}) {
        AttentionCase c = b.make(5, lk, 32);
        const std::size_t key = first_of_tail ? lk - lk % 64 : lk - 1;
        b.raise_keys(c, {key}, 20.0);
        cases.push_back(finish(std::move(c)));
      }
  return cases;
}

// Scores beyond f16's largest finite value (65504) with f32 accumulation.
Cases beyond_f16(Format f, Suite s, std::uint64_t seed) {
  Builder b{f, Rng(seed)};
  Cases cases;
  for (std::size_t r = 0; r < repeats(s); ++r)
    for (double offset : {7e4, -7e4, 2e5}) {
      AttentionCase c = b.make(4, 80, 16);
      b.common_offset(c, offset);
      b.raise_keys(c, {3, 40}, 3.0);
      cases.push_back(finish(std::move(c)));
    }
  return cases;
}

// Key counts that are no multiple of any tile, and Lk = 1.
Cases odd_lengths(Format f, Suite s, std::uint64_t seed) {
  Builder b{f, Rng(seed)};
  Cases cases;
  for (std::size_t r = 0; r < repeats(s); ++r)
    for (std::size_t lk : {1, 2, 15, 63, 65, 127, 129, 1000})
      cases.push_back(finish(b.make(3, lk, 8)));
  return cases;
}

// Uniform rows (Q = 0: every score 0) over many keys: a running sum kept in low precision
// saturates (bf16 stops at 256, f16 at 2048). Default: 512, 1024 and 4096 keys; deep: 65536
// and 100000.
Cases uniform_long(Format f, std::uint64_t seed, bool deep) {
  Builder b{f, Rng(seed)};
  Cases cases;
  const std::vector<std::size_t> lengths =
      deep ? std::vector<std::size_t>{65536, 100000} : std::vector<std::size_t>{512, 1024, 4096};
  for (std::size_t lk : lengths) {
    AttentionCase c = b.make(deep ? 2 : 4, lk, 16);
    std::fill(c.q.begin(), c.q.end(), 0.0);
    for (double& v : c.v) v = b.rnd(1.0 + std::fabs(v) / 64);  // positive: nothing cancels
    cases.push_back(finish(std::move(c)));
  }
  if (deep) {
    AttentionCase c = b.make(4, 65536, 16);  // random scores over a long key range
    cases.push_back(finish(std::move(c)));
  }
  return cases;
}

// Causal with a negative query offset plus key padding: query rows that see no key at all.
Cases causal_padding(Format f, Suite s, std::uint64_t seed) {
  Builder b{f, Rng(seed)};
  Cases cases;
  for (std::size_t r = 0; r < repeats(s); ++r)
    for (bool additive : {false, true}) {
      AttentionCase c = b.make(10, 40, 16);
      c.mask.kind = MaskKind::explicit_keep;
      c.keep.assign(10 * 40, 0);
      const std::size_t valid = 30;  // keys 30.. are padding
      for (std::size_t i = 0; i < 10; ++i)
        for (std::size_t k = 0; k < valid; ++k)
          // causal with query offset -3 (rows 0-2 see nothing), row 9 padded out entirely
          c.keep[i * 40 + k] = (static_cast<std::int64_t>(k) <= static_cast<std::int64_t>(i) - 3 && i != 9) ? 1 : 0;
      c.mask.additive = additive;
      cases.push_back(finish(std::move(c)));
    }
  return cases;
}

// Softcap c in {30, 50} (Grok, Gemma 2) over scores up to ~1e3.
Cases softcap_huge(Format f, Suite s, std::uint64_t seed) {
  Builder b{f, Rng(seed)};
  Cases cases;
  for (std::size_t r = 0; r < repeats(s); ++r)
    for (double cap : {30.0, 50.0})
      for (double spread : {4.0, 12.0}) {
        AttentionCase c = b.make(8, 96, 32, spread);  // scores ~ spread^2 * N(0, 1)
        c.parameters.softcap = cap;
        c.mask = causal(88);
        cases.push_back(finish(std::move(c)));
      }
  return cases;
}

// V columns whose weighted sum cancels: pairs of keys with equal scores and opposite V.
Cases cancelling_v(Format f, Suite s, std::uint64_t seed) {
  Builder b{f, Rng(seed)};
  Cases cases;
  for (std::size_t r = 0; r < repeats(s); ++r) {
    AttentionCase c = b.make(4, 64, 16);
    const std::size_t d = 16;
    for (std::size_t k = 0; k + 1 < 64; k += 2)
      for (std::size_t j = 0; j < d; ++j) {
        c.k[(k + 1) * d + j] = c.k[k * d + j];  // equal scores
        c.v[(k + 1) * d + j] = b.rnd(-c.v[k * d + j] * (1 + 0x1p-6 * (j % 3)));
      }
    cases.push_back(finish(std::move(c)));
  }
  return cases;
}

// One key 7.5 above many others: e^-7.5 = 5.5e-4 lies below half of E4M3's smallest
// subnormal (2^-10), so P rounded to E4M3 drops the others - 1/2 of the row's mass with 2048
// keys. V near 1 everywhere, so a kernel that keeps the dropped mass in its sum shows it.
Cases fp8_underflow(Format f, Suite s, std::uint64_t seed) {
  Builder b{f, Rng(seed)};
  Cases cases;
  for (std::size_t r = 0; r < repeats(s); ++r)
    for (double gap : {7.5, 9.0}) {
      AttentionCase c = b.make(3, 2048, 16, 0.05);
      b.raise_keys(c, {100}, gap);
      for (double& v : c.v) v = b.rnd(1.0 + v / 16);  // |V - O| ~ 0.003: the dropped mass shows
      cases.push_back(finish(std::move(c)));
    }
  return cases;
}

// The second key tile's scores rising from 4 to `top` above the first's: a kernel that skips
// rescaling while the max grows by less than 8 computes P = e^s against the stale max, and
// every P above E4M3's 448 (s > 6.1) saturates, flattening the tile's distribution.
Cases fp8_stale_max(Format f, Suite s, std::uint64_t seed) {
  Builder b{f, Rng(seed)};
  Cases cases;
  for (std::size_t r = 0; r < repeats(s); ++r)
    for (double top : {7.0, 7.75}) {
      AttentionCase c = b.make(3, 200, 16, 0.05);
      std::vector<double> gaps(c.shape.lk, 0.0);
      for (std::size_t k = 64; k < 128; ++k) gaps[k] = 4.0 + (top - 4.0) * static_cast<double>(k - 64) / 63;
      b.raise_keys(c, gaps);
      cases.push_back(finish(std::move(c)));
    }
  return cases;
}

AttentionFamily family(std::string name, std::string description, Suite first,
                       std::function<Cases(Format, Suite, std::uint64_t)> generate) {
  return {std::move(name), std::move(description), first, std::move(generate)};
}

}  // namespace

const std::vector<AttentionFamily>& attention_families() {
  static const std::vector<AttentionFamily> all = {
      family("attn-normal", "N(0,1) Q, K, V; no mask, causal (bottom-right), sliding window, key padding",
             Suite::quick, normal),
      family("attn-masked-first-tile", "keys 0-63 masked for every row, scores near -200, 0, +200",
             Suite::quick, masked_first_tile),
      family("attn-below-sentinel", "every score below -5e4, -1e4 or -FLT_MAX/2", Suite::quick,
             below_sentinel),
      family("attn-additive-sentinel", "additive masks of -inf, -5e4, -1e4, -FLT_MAX/2; 4 rows see no key",
             Suite::quick, additive_sentinel),
      family("attn-common-offset", "a common offset of +-1e4 or +-3e4 on every score",
             Suite::quick, common_offset),
      family("attn-max-in-last-tile", "the row maximum, 20 above the rest, in the last partial key tile",
             Suite::quick, max_in_last_tile),
      family("attn-beyond-f16", "scores beyond f16's range (+-7e4, 2e5)", Suite::quick, beyond_f16),
      family("attn-odd-lengths", "Lk = 1, 2, 15, 63, 65, 127, 129, 1000", Suite::quick, odd_lengths),
      family("attn-uniform-long", "uniform rows over 512, 1024 and 4096 keys (a low-precision running sum saturates)",
             Suite::quick, [](Format f, Suite, std::uint64_t seed) { return uniform_long(f, seed, false); }),
      family("attn-uniform-64k", "uniform rows over 65536 and 100000 keys, random rows over 65536 (Lq <= 4)",
             Suite::deep, [](Format f, Suite, std::uint64_t seed) { return uniform_long(f, seed, true); }),
      family("attn-causal-padding", "causal (query offset -3) plus key padding: rows that see no key",
             Suite::quick, causal_padding),
      family("attn-softcap-huge", "softcap 30 or 50 over scores up to ~1e3", Suite::quick, softcap_huge),
      family("attn-cancelling-v", "pairs of keys with equal scores and opposite V", Suite::quick,
             cancelling_v),
      family("attn-fp8-underflow", "one key 7.5 or 9 above 2047 others: P below E4M3's subnormals",
             Suite::quick, fp8_underflow),
      family("attn-fp8-stale-max", "the second key tile rising 4 to 7 or 7.75 above the first", Suite::quick,
             fp8_stale_max),
  };
  return all;
}

const AttentionFamily* find_attention_family(std::string_view name) {
  for (const AttentionFamily& f : attention_families())
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<const AttentionFamily*> attention_families_in(Suite suite) {
  std::vector<const AttentionFamily*> found;
  for (const AttentionFamily& f : attention_families())
    if (static_cast<int>(f.first_suite) <= static_cast<int>(suite)) found.push_back(&f);
  return found;
}

}  // namespace softcheck
