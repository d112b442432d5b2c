// Input families (see families.hpp). Each generator draws doubles from its own seeded stream,
// rounds every value with round_to_format, and gives every row a target in [0, n).
//
// Sizes: the default suite has 10x the rows of quick, deep 10x default; long-rows grows its
// row length instead (4096, 65536, 1048576), and the positional families their lengths and
// positions. The gate computes a correctly rounded reference per element, so the default
// suite stays under 1.5x its 253k elements per format before the positional families and
// common-offset (core_families checks).
#include "core/families.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <span>
#include <utility>

#include "core/rng.hpp"

namespace softcheck {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::size_t rows_scale(Suite suite) {
  switch (suite) {
    case Suite::quick:
      return 1;
    case Suite::standard:
      return 10;
    case Suite::deep:
      return 100;
  }
  return 1;
}

double rnd(double x, Format f) {
  return round_to_format(x, f);
}

// The representable value about k ulps from the representable x (k may be negative).
double ulps_from(double x, int k, Format f) {
  return rnd(x + k * ulp(x, f), f);
}

// Logits above ln(max_finite) make exp alone overflow in the format.
double exp_overflow_threshold(Format f) {
  return std::log(max_finite(f));
}

// The range of uniform-90-100: [90, 100] except f16, where exp overflows from ~11.09.
struct Range {
  double lo, hi;
};
Range high_range(Format f) { return f == Format::f16 ? Range{15.0, 20.0} : Range{90.0, 100.0}; }

// A uniformly drawn subnormal of the format (a nonzero multiple of denorm_min below min_normal).
double random_subnormal(Format f, Rng& rng) {
  const std::uint64_t count = std::uint64_t{1} << (traits(f).precision - 1);  // subnormals
  return denorm_min(f) * static_cast<double>(1 + rng.below(count - 1));
}

Batch empty_batch(Format f, std::size_t rows, std::size_t n) {
  Batch b;
  b.format = f;
  b.rows = rows;
  b.n = n;
  b.values.assign(rows * n, 0.0);
  b.targets.assign(rows, 0);
  return b;
}

// rows x n values fill(row, column), rounded to f; targets uniform in [0, n).
template <class Fill>
Batch generated(Format f, std::size_t rows, std::size_t n, Rng& rng, Fill fill) {
  Batch b = empty_batch(f, rows, n);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < n; ++c) b.values[r * n + c] = rnd(fill(r, c), f);
  for (auto& t : b.targets) t = static_cast<std::int64_t>(rng.below(n));
  return b;
}

// normal-s*: N(0, sigma^2) at lengths 7, 64 and 1000. The ordinary case; sigma = 30 and 1000
// put most outputs far below the smallest normal (a flush-to-zero kernel shows here).
std::vector<Batch> normal_rows(Format f, Suite s, Rng& rng, double sigma) {
  std::vector<Batch> out;
  for (auto [n, rows] : {std::pair<std::size_t, std::size_t>{7, 3}, {64, 2}, {1000, 1}})
    out.push_back(generated(f, rows * rows_scale(s), n, rng,
                            [&](std::size_t, std::size_t) { return sigma * rng.normal(); }));
  return out;
}

// uniform-90-100 (XNNPACK's operator test): uniform in [90, 100], [15, 20] for f16, so exp
// alone overflows in f32, bf16 and f16 (not in f64); XNNPACK's lengths 1, 2, 3, ..., 1001.
std::vector<Batch> uniform_high(Format f, Suite s, Rng& rng) {
  const Range high = high_range(f);  // named, not bound: clang 14 cannot capture bindings
  std::vector<Batch> out;
  for (std::size_t n : {1, 2, 3, 17, 99, 1000})
    out.push_back(generated(f, rows_scale(s), n, rng, [&](std::size_t, std::size_t) {
      return rng.uniform(high.lo, high.hi);
    }));
  return out;
}

// exp-overflow-edge: logits within 4 ulps of t = ln(max_finite). Row kinds (row % 3):
// 0: all near t (each exp is at the overflow edge, their sum overflows);
// 1: a few near t, the rest 0 (those outputs are ~exp(-t) = 1/max_finite: subnormal);
// 2: each element near +t, 0 or near -t.
std::vector<Batch> exp_overflow_edge(Format f, Suite s, Rng& rng) {
  const double t = rnd(exp_overflow_threshold(f), f);
  auto near = [&](double x) { return ulps_from(x, static_cast<int>(rng.below(9)) - 4, f); };
  auto fill = [&](std::size_t r, std::size_t c) {
    switch (r % 3) {
      case 0:
        return near(t);
      case 1:
        return (c == r % 8 || rng.below(4) == 0) ? near(t) : 0.0;
      default: {
        const auto pick = rng.below(3);
        return pick == 0 ? near(t) : pick == 1 ? 0.0 : near(-t);
      }
    }
  };
  return {generated(f, 3 * rows_scale(s), 8, rng, fill)};
}

// exp-underflow-edge: one 0 (the max) at a random position, the other logits near where
// exp(x) leaves the normal range or underflows, so outputs land on those boundaries. Row kinds
// (row % 4): within 4 ulps of ln(min_normal); of ln(denorm_min); of ln(denorm_min / 2);
// uniform between ln(denorm_min / 2) - 1 and ln(min_normal) + 1.
std::vector<Batch> exp_underflow_edge(Format f, Suite s, Rng& rng) {
  const double edges[] = {rnd(std::log(min_normal(f)), f), rnd(std::log(denorm_min(f)), f),
                          rnd(std::log(denorm_min(f)) - std::numbers::ln2, f)};  // f64: d/2 = 0
  const std::size_t n = 8, rows = 4 * rows_scale(s);
  Batch b = empty_batch(f, rows, n);
  for (std::size_t r = 0; r < rows; ++r) {
    const std::size_t zero_at = rng.below(n);
    for (std::size_t c = 0; c < n; ++c) {
      double x = 0.0;
      if (c != zero_at)
        x = r % 4 < 3 ? ulps_from(edges[r % 4], static_cast<int>(rng.below(9)) - 4, f)
                      : rng.uniform(edges[2] - 1, edges[0] + 1);
      b.values[r * n + c] = rnd(x, f);
    }
    b.targets[r] = static_cast<std::int64_t>(rng.below(n));
  }
  return {b};
}

// lowest-fill-tied-max (oneDNN benchdnn): rows of the lowest finite value with 1-3 tied maxima
// at random positions, 88, 89 or 90 (8, 9 or 10 for f16: past exp overflow, so a kernel
// without max subtraction fails); odd rows negated (catches max |x| used for max x).
std::vector<Batch> lowest_fill_tied_max(Format f, Suite s, Rng& rng) {
  const double base = f == Format::f16 ? 8.0 : 88.0;
  std::vector<Batch> out;
  for (std::size_t n : {5, 64, 333}) {
    Batch b = generated(f, 2 * rows_scale(s), n, rng,
                        [&](std::size_t, std::size_t) { return -max_finite(f); });
    for (std::size_t r = 0; r < b.rows; ++r) {
      auto row = b.row(r);
      const double top = base + static_cast<double>(rng.below(3));
      for (auto ties = 1 + rng.below(3); ties > 0;) {
        double& x = row[rng.below(n)];
        if (x != top) x = top, --ties;
      }
      if (r % 2 == 1)
        for (double& x : row) x = -x;
    }
    out.push_back(std::move(b));
  }
  return out;
}

// alternating-sign: signs alternate along the row, magnitudes large. Row kinds (row % 2):
// uniform in [t/2, 3t/2] (t = ln(max_finite)); log-uniform in [1, max_finite], where x - max
// itself overflows.
std::vector<Batch> alternating_sign(Format f, Suite s, Rng& rng) {
  const double t = exp_overflow_threshold(f);
  std::vector<Batch> out;
  for (std::size_t n : {8, 64, 257}) {
    double sign = 1.0;
    out.push_back(generated(f, 2 * rows_scale(s), n, rng, [&](std::size_t r, std::size_t c) {
      if (c == 0) sign = rng.below(2) ? 1.0 : -1.0;
      const double magnitude = r % 2 == 0 ? rng.uniform(t / 2, 3 * t / 2)
                                          : std::min(std::exp(rng.uniform() * t), max_finite(f));
      return (c % 2 == 0 ? sign : -sign) * magnitude;
    }));
  }
  return out;
}

// confident (Liger-Kernel's lesson): N(0, 2^2) rows whose target logit is max(others) + 10,
// + 20 or + 40 (row % 3): softmax of the target is 1 - tiny, so softmax_y - 1 cancels and
// softmax collapses to exactly 0/1 in f32, bf16 and f16.
std::vector<Batch> confident(Format f, Suite s, Rng& rng) {
  const double margins[] = {10.0, 20.0, 40.0};
  std::vector<Batch> out;
  for (std::size_t n : {10, 100, 300}) {
    Batch b = generated(f, 3 * rows_scale(s), n, rng,
                        [&](std::size_t, std::size_t) { return 2.0 * rng.normal(); });
    for (std::size_t r = 0; r < b.rows; ++r) {
      auto row = b.row(r);
      const auto y = static_cast<std::size_t>(b.targets[r]);
      double top = -kInf;
      for (std::size_t c = 0; c < n; ++c)
        if (c != y) top = std::max(top, row[c]);
      row[y] = rnd(top + margins[r % 3], f);
    }
    out.push_back(std::move(b));
  }
  return out;
}

// masked: N(0, 3^2) rows with -inf masks. Row kinds (row % 4): a random fraction (10-90 %)
// masked, target unmasked; fully masked; a random fraction masked with the target masked
// (cross-entropy +inf); all but one masked (softmax exactly one-hot).
std::vector<Batch> masked(Format f, Suite s, Rng& rng) {
  std::vector<Batch> out;
  for (std::size_t n : {8, 100}) {
    Batch b = generated(f, 4 * rows_scale(s), n, rng,
                        [&](std::size_t, std::size_t) { return 3.0 * rng.normal(); });
    for (std::size_t r = 0; r < b.rows; ++r) {
      auto row = b.row(r);
      const std::size_t kind = r % 4, keep = rng.below(n);  // keep: one element stays finite
      const double p = rng.uniform(0.1, 0.9);
      for (std::size_t c = 0; c < n; ++c) {
        const bool mask = kind == 1 || (kind == 3 && c != keep) ||
                          ((kind == 0 || kind == 2) && c != keep && rng.uniform() < p);
        if (mask) row[c] = -kInf;
      }
      std::vector<std::size_t> wanted;  // positions the target may take
      for (std::size_t c = 0; c < n; ++c)
        if ((kind == 0 && row[c] != -kInf) || (kind == 2 && row[c] == -kInf)) wanted.push_back(c);
      if (kind == 2 && wanted.empty()) {  // n = 1 or no mask drawn: mask one element
        const std::size_t c = (keep + 1) % n;
        row[c] = -kInf;
        wanted.push_back(c);
      }
      if (!wanted.empty())
        b.targets[r] = static_cast<std::int64_t>(wanted[rng.below(wanted.size())]);
    }
    out.push_back(std::move(b));
  }
  return out;
}

// long-rows: two rows of n = 4096 (quick), 65536 (default), 1048576 (deep): N(0, 1) (sum
// accumulation error grows with n), and the uniform-90-100 range (exp alone overflows).
std::vector<Batch> long_rows(Format f, Suite s, Rng& rng) {
  const std::size_t n = s == Suite::quick ? 4096 : s == Suite::standard ? 65536 : 1048576;
  const Range high = high_range(f);
  return {generated(f, 2, n, rng, [&](std::size_t r, std::size_t) {
    return r == 0 ? rng.normal() : rng.uniform(high.lo, high.hi);
  })};
}

// tile-lengths: every n from 1 to 33 (2 * 16 + 1, past two 16-wide tiles), N(0, 3^2). Row
// kinds (row % 3): the max moved to the last element (in the tail), to the first, left random.
std::vector<Batch> tile_lengths(Format f, Suite s, Rng& rng) {
  std::vector<Batch> out;
  for (std::size_t n = 1; n <= 33; ++n) {
    Batch b = generated(f, 3 * rows_scale(s), n, rng,
                        [&](std::size_t, std::size_t) { return 3.0 * rng.normal(); });
    for (std::size_t r = 0; r < b.rows; ++r) {
      auto row = b.row(r);
      const auto top = std::max_element(row.begin(), row.end());
      if (r % 3 == 0) std::iter_swap(top, row.end() - 1);
      if (r % 3 == 1) std::iter_swap(top, row.begin());
    }
    out.push_back(std::move(b));
  }
  return out;
}

// special-values: +-0, +-inf, NaN, subnormals, +-max_finite among ordinary N(0, 1) values.
// n = 1: each special alone. n = 8: one special kind per row (a single NaN, a single +inf, a
// single -inf, all -inf, all +inf, ...), then rows drawn element by element from all of them.
std::vector<Batch> special_values(Format f, Suite s, Rng& rng) {
  const double big = max_finite(f), tiny = denorm_min(f);
  std::vector<Batch> out;

  const double alone[] = {kNaN, kInf, -kInf, 0.0, -0.0, big, -big, tiny, -tiny, 1.5};
  Batch singles = empty_batch(f, std::size(alone), 1);
  std::copy(std::begin(alone), std::end(alone), singles.values.begin());
  out.push_back(std::move(singles));

  const std::size_t n = 8;
  auto pool = [&](std::uint64_t i) {
    switch (i) {
      case 0:
        return kNaN;
      case 1:
        return kInf;
      case 2:
        return -kInf;
      case 3:
        return 0.0;
      case 4:
        return -0.0;
      case 5:
        return big;
      case 6:
        return -big;
      case 7:
        return random_subnormal(f, rng);
      case 8:
        return -random_subnormal(f, rng);
      case 9:
        return min_normal(f);
      default:
        return rng.normal();
    }
  };
  // Each row: {special, how many of them (n = all)}; the rest ordinary. Mixed rows after.
  const std::vector<std::vector<std::pair<double, std::size_t>>> kinds = {{{kNaN, 1}},
                                                                          {{kInf, 1}},
                                                                          {{-kInf, 1}},
                                                                          {{-kInf, n}},
                                                                          {{kInf, n}},
                                                                          {{kInf, 2}},
                                                                          {{kInf, 1}, {-kInf, 1}},
                                                                          {{kNaN, 1}, {kInf, 1}},
                                                                          {{0.0, 4}, {-0.0, 4}},
                                                                          {{big, 1}, {-big, 1}},
                                                                          {{big, n}},
                                                                          {{-big, n}},
                                                                          {{big, 2}},
                                                                          {{tiny, 1}, {-tiny, 1}}};
  const std::size_t mixed_rows = 4 * rows_scale(s);
  Batch b = generated(f, kinds.size() + 1 + mixed_rows, n, rng, [&](std::size_t r, std::size_t) {
    if (r < kinds.size()) return rng.normal();
    if (r == kinds.size()) return pool(7 + rng.below(2));  // subnormals only
    return pool(rng.below(12));
  });
  for (std::size_t r = 0; r < kinds.size(); ++r) {
    std::vector<std::size_t> order(n);
    for (std::size_t c = 0; c < n; ++c) order[c] = c;
    for (std::size_t c = n - 1; c > 0; --c) std::swap(order[c], order[rng.below(c + 1)]);
    std::size_t next = 0;
    for (auto [value, count] : kinds[r])
      for (std::size_t k = 0; k < count; ++k) b.row(r)[order[next++]] = value;
  }
  out.push_back(std::move(b));
  return out;
}

// ties: every logit of a row equal, so the exact softmax is 1/n and logsumexp is x + ln n
// (which overflows for x = max_finite). Lengths powers of two and not; the tied value cycles
// through 0, N(0, 30^2), the uniform-90-100 range, +-max_finite and +-denorm_min.
std::vector<Batch> ties(Format f, Suite s, Rng& rng) {
  const Range high = high_range(f);
  const std::size_t lengths[] = {1, 2, 3, 4, 5, 7, 8, 16, 31, 32, 64, 100, 128, 513};
  std::vector<Batch> out;
  for (std::size_t i = 0; i < std::size(lengths); ++i) {
    double value = 0.0;
    out.push_back(generated(f, rows_scale(s), lengths[i], rng, [&](std::size_t r, std::size_t c) {
      if (c == 0) {
        const double sign = rng.below(2) ? 1.0 : -1.0;
        switch ((i + r) % 5) {
          case 0:
            value = 0.0;
            break;
          case 1:
            value = 30.0 * rng.normal();
            break;
          case 2:
            value = rng.uniform(high.lo, high.hi);
            break;
          case 3:
            value = sign * max_finite(f);
            break;
          default:
            value = sign * denorm_min(f);
            break;
        }
      }
      return value;
    }));
  }
  return out;
}

// unified-max-window: the safe window of unified-max softmax (FlashDecoding++; see
// src/kernels/unified_max.hpp) at its default phi = 6, [a, b] = [-15, 15], i.e. logits in
// [-9, 21]. Rows cycle through: every logit inside, including both edges and one ulp inside
// them; inside plus one logit one ulp outside an edge; inside plus one logit far above
// (21 + 90: exp(x - phi) overflows float); every logit far below (-9 - 95 .. -9 - 100:
// exp(x - phi) underflows to 0 in float); half inside, half just outside. n = 8 and 130 (the
// latter spans three 64-element partial blocks; 20 in the quick suite). Generic: any softmax
// kernel must get these right, and a unified-max kernel that skips its fallback does not.
std::vector<Batch> unified_max_window(Format f, Suite s, Rng& rng) {
  constexpr double kLo = 6.0 - 15.0, kHi = 6.0 + 15.0;
  auto inside = [&]() {
    switch (rng.below(6)) {
      case 0:
        return kLo;
      case 1:
        return kHi;
      case 2:
        return ulps_from(kLo, 1, f);
      case 3:
        return ulps_from(kHi, -1, f);
      default:
        return kLo + (kHi - kLo) * rng.uniform();
    }
  };
  auto just_outside = [&]() {
    return rng.below(2) == 0 ? ulps_from(kLo, -1, f) : ulps_from(kHi, 1, f);
  };
  std::vector<Batch> batches;
  // Quick keeps to one row of each kind and n = 20 (the quick suite's element budget).
  const std::size_t long_n = s == Suite::quick ? 20 : 130;
  for (std::size_t n : {std::size_t{8}, long_n}) {
    auto fill = [&](std::size_t r, std::size_t c) {
      const std::size_t odd_one = r % n;  // the column of the one outlier
      switch (r % 5) {
        case 0:
          return inside();
        case 1:
          return c == odd_one ? just_outside() : inside();
        case 2:
          return c == odd_one ? kHi + 90.0 : inside();
        case 3:
          return kLo - 95.0 - 5.0 * rng.uniform();
        default:
          return c % 2 == 0 ? inside() : just_outside();
      }
    };
    batches.push_back(generated(f, 5 * rows_scale(s), n, rng, fill));
  }
  return batches;
}

// Positional families: max-position, min-position, tie-position, block-edge-max.
//
// The block widths of the built-in blocked kernels, restated (core does not include
// kernels/): a tail or block-edge bug shows only where the maximum sits in the block it
// mishandles. The SIMD kernels (kernels/simd) read tiles of kSimdUnroll = 4 vectors: 16 f32
// lanes a vector and 64 a tile with AVX-512, 32 a tile with AVX2, 16 with SSE4 or NEON.
constexpr std::size_t kSimdLanesAvx512 = 16;
constexpr std::size_t kSimdTileAvx2 = 32;
constexpr std::size_t kUnifiedMaxBlock = 64;  // kernels/unified_max.hpp; the AVX-512 tile
constexpr std::size_t kChunkedCeBlock = 256;  // kernels/chunked_ce.cpp: chunked-b256-filter
constexpr std::size_t kBlockWidths[] = {kSimdLanesAvx512, kSimdTileAvx2, kUnifiedMaxBlock,
                                        kChunkedCeBlock};

// Row lengths (issue 20): 1 .. 2 * 16 + 1 in quick, 1 .. 2 * 64 + 1 in default; deep adds
// every multiple of 4 up to 1024, each +- 1 (the multiples of 8, 16, 32 and 64 among them).
constexpr std::size_t kPastTwoVectors = 2 * kSimdLanesAvx512 + 1;  // 33
constexpr std::size_t kPastTwoBlocks = 2 * kUnifiedMaxBlock + 1;   // 129
constexpr std::size_t kLongLengthStep = 4;
constexpr std::size_t kLongLengthLimit = 1024;

// How the rest of a row sits below its maximum: gaps of 10 (exp(10) is finite even in f16's
// float arithmetic), 90 (exp(90) overflows f32) and 1000 (overflows f64), then oneDNN's
// lowest-fill style (every other element the format's lowest finite value).
constexpr double kPositionGaps[] = {10.0, 90.0, 1000.0};
constexpr std::size_t kLowestFill = std::size(kPositionGaps);
constexpr std::size_t kFills = kLowestFill + 1;

std::vector<std::size_t> positional_lengths(Suite s) {
  std::vector<std::size_t> lengths;
  const std::size_t all_up_to = s == Suite::quick ? kPastTwoVectors : kPastTwoBlocks;
  for (std::size_t n = 1; n <= all_up_to; ++n) lengths.push_back(n);
  if (s != Suite::deep) return lengths;
  for (std::size_t m = kPastTwoBlocks / kLongLengthStep * kLongLengthStep + kLongLengthStep;
       m <= kLongLengthLimit; m += kLongLengthStep)
    for (std::size_t n : {m - 1, m, m + 1})
      if (n > kPastTwoBlocks) lengths.push_back(n);
  return lengths;
}

// Where the maximum goes in a row of n, tail positions first. Every position while
// n <= 33 (default) or 129 (deep); beyond, and in quick, the last element and the first of
// the last block of each sampled width (partial unless the width divides n).
std::vector<std::size_t> positional_positions(std::size_t n, Suite s) {
  const std::size_t every_up_to = s == Suite::quick      ? 0
                                  : s == Suite::standard ? kPastTwoVectors
                                                         : kPastTwoBlocks;
  std::vector<std::size_t> positions;
  if (n <= every_up_to) {
    for (std::size_t p = n; p-- > 0;) positions.push_back(p);
    return positions;
  }
  positions.push_back(n - 1);
  const std::span<const std::size_t> widths =
      s == Suite::deep ? std::span(kBlockWidths) : std::span(kBlockWidths).first(1);
  for (std::size_t width : widths) {
    const std::size_t last_block = (n - 1) / width * width;
    if (std::find(positions.begin(), positions.end(), last_block) == positions.end())
      positions.push_back(last_block);
  }
  return positions;
}

// The largest logit of a positional row, in the uniform-90-100 range ([15, 20] in f16): its
// exp alone overflows every format but f64, so a kernel must subtract the maximum.
double positional_top(Format f, Rng& rng) {
  const auto [lo, hi] = high_range(f);
  return rnd(rng.uniform(lo, hi), f);
}

// Row with `top` at p and every other element below it by the fill's gap (plus up to 1, so
// the rest are not all tied) or at the lowest finite value.
void fill_with_top_at(std::span<double> row, std::size_t p, double top, std::size_t fill, Format f,
                      Rng& rng) {
  for (double& x : row)
    x = fill == kLowestFill ? -max_finite(f) : rnd(top - kPositionGaps[fill] - rng.uniform(), f);
  row[p] = top;
}

// The second position of a tied maximum: the mirror of p, or the first element when p is
// the middle (none in a row of one).
std::size_t tie_partner(std::size_t n, std::size_t p) {
  const std::size_t mirror = n - 1 - p;
  return mirror != p ? mirror : 0;
}

enum class Extreme { max, min, tie };

// One batch per length, one row per position (positional_positions), the fill cycling with
// n + p so every position meets every fill across lengths. min rows are max rows negated;
// tie rows repeat the maximum at tie_partner.
std::vector<Batch> positional(Format f, Suite s, Rng& rng, Extreme extreme) {
  std::vector<Batch> out;
  for (std::size_t n : positional_lengths(s)) {
    const std::vector<std::size_t> positions = positional_positions(n, s);
    Batch b = empty_batch(f, positions.size(), n);
    for (std::size_t r = 0; r < b.rows; ++r) {
      const auto row = b.row(r);
      const std::size_t p = positions[r];
      const double top = positional_top(f, rng);
      fill_with_top_at(row, p, top, (n + p) % kFills, f, rng);
      if (extreme == Extreme::tie) row[tie_partner(n, p)] = top;
      if (extreme == Extreme::min)
        for (double& x : row) x = -x;
      b.targets[r] = static_cast<std::int64_t>(rng.below(n));
    }
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<Batch> max_position(Format f, Suite s, Rng& rng) {
  return positional(f, s, rng, Extreme::max);
}

std::vector<Batch> min_position(Format f, Suite s, Rng& rng) {
  return positional(f, s, rng, Extreme::min);
}

std::vector<Batch> tie_position(Format f, Suite s, Rng& rng) {
  return positional(f, s, rng, Extreme::tie);
}

// The first and last element of every block of a row of n, the last block first.
std::vector<std::size_t> block_edges(std::size_t n, std::size_t width) {
  std::vector<std::size_t> edges;
  for (std::size_t start = (n - 1) / width * width;; start -= width) {
    edges.push_back(std::min(start + width, n) - 1);
    if (edges.back() != start) edges.push_back(start);
    if (start == 0) return edges;
  }
}

// block-edge-max: for each block width, rows of 2 * width + 1 (a one-element partial block)
// and 3 * width - 1 (a partial block one short), the maximum at the first and the last element
// of each block. Fills cycle in default; deep crosses every edge with every fill; quick keeps
// n = 2 * width + 1 with the maximum in its partial block.
std::vector<Batch> block_edge_max(Format f, Suite s, Rng& rng) {
  std::vector<Batch> out;
  for (std::size_t width : kBlockWidths) {
    const std::vector<std::size_t> lengths =
        s == Suite::quick ? std::vector{2 * width + 1} : std::vector{2 * width + 1, 3 * width - 1};
    for (std::size_t n : lengths) {
      const std::vector<std::size_t> edges =
          s == Suite::quick ? std::vector{n - 1} : block_edges(n, width);
      const std::size_t fills = s == Suite::deep ? kFills : 1;
      Batch b = empty_batch(f, edges.size() * fills, n);
      for (std::size_t r = 0; r < b.rows; ++r) {
        const std::size_t p = edges[r / fills];
        const std::size_t fill = fills == kFills ? r % kFills : (n + p) % kFills;
        fill_with_top_at(b.row(r), p, positional_top(f, rng), fill, f, rng);
        b.targets[r] = static_cast<std::int64_t>(rng.below(n));
      }
      out.push_back(std::move(b));
    }
  }
  return out;
}

// common-offset (pytorch PR #195829): N(0, 3^2) rows plus one large offset shared by every
// logit, so only the differences matter (softmax and the cross-entropy loss and gradient are
// shift invariant). Offsets +-1e4 and +-3e4 (finite in f16, below 65504). Rows cycle through
// the offsets; n = 8, 100 and 1000 (1000 not in quick; a tenth of the rows at 1000).
constexpr double kCommonOffsets[] = {1e4, -1e4, 3e4, -3e4};

std::vector<Batch> common_offset(Format f, Suite s, Rng& rng) {
  constexpr std::size_t kOffsets = std::size(kCommonOffsets);
  std::vector<std::pair<std::size_t, std::size_t>> shapes = {{8, kOffsets * rows_scale(s)},
                                                             {100, kOffsets * rows_scale(s)}};
  if (s != Suite::quick) shapes.emplace_back(1000, kOffsets * rows_scale(s) / 10);
  std::vector<Batch> out;
  for (auto [n, rows] : shapes)
    out.push_back(generated(f, rows, n, rng, [&](std::size_t r, std::size_t) {
      return kCommonOffsets[r % kOffsets] + 3.0 * rng.normal();
    }));
  return out;
}

using Generator = std::vector<Batch> (*)(Format, Suite, Rng&);

Family family(std::string name, std::string description, Generator generate) {
  return {std::move(name), std::move(description),
          [generate](Format f, Suite s, std::uint64_t seed) {
            Rng rng(seed);
            return generate(f, s, rng);
          }};
}

Family normal_family(const char* name, double sigma) {
  return {name,
          "normal N(0, sigma^2), sigma = " + std::to_string(static_cast<int>(sigma)) +
              ", n = 7, 64, 1000",
          [sigma](Format f, Suite s, std::uint64_t seed) {
            Rng rng(seed);
            return normal_rows(f, s, rng, sigma);
          }};
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 0xCBF29CE484222325ULL;  // FNV-1a 64-bit offset basis and prime
  for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
  return hash;
}

}  // namespace

std::optional<Suite> parse_suite(std::string_view text) {
  for (Suite s : {Suite::quick, Suite::standard, Suite::deep})
    if (name(s) == text) return s;
  return std::nullopt;
}

std::string_view name(Suite suite) {
  switch (suite) {
    case Suite::quick:
      return "quick";
    case Suite::standard:
      return "default";
    case Suite::deep:
      return "deep";
  }
  return "?";
}

const std::vector<Family>& families() {
  static const std::vector<Family> all = {
      normal_family("normal-s1", 1.0),
      normal_family("normal-s3", 3.0),
      normal_family("normal-s30", 30.0),
      normal_family("normal-s1000", 1000.0),
      family("uniform-90-100",
             "uniform in [90, 100] ([15, 20] for f16): exp alone overflows except in f64",
             uniform_high),
      family("exp-overflow-edge",
             "logits within 4 ulps of ln(max_finite), alone, with 0 and with their negation",
             exp_overflow_edge),
      family("exp-underflow-edge",
             "0 with logits near ln(min_normal), ln(denorm_min), ln(denorm_min/2): subnormal "
             "outputs",
             exp_underflow_edge),
      family("lowest-fill-tied-max",
             "oneDNN: lowest value with 1-3 tied maxima 88-90 (8-10 f16), odd rows negated",
             lowest_fill_tied_max),
      family("alternating-sign", "signs alternate along the row, magnitudes ln(max)/2 to max",
             alternating_sign),
      family("confident", "normal rows with the target logit at max + 10, + 20, + 40", confident),
      family("masked",
             "-inf masks: random fraction, fully masked, target masked, all but one masked",
             masked),
      family("long-rows", "2 rows of n = 4096 / 65536 / 1048576 (quick / default / deep)",
             long_rows),
      family("tile-lengths", "every n from 1 to 33, max first, last or anywhere", tile_lengths),
      family("special-values", "+-0, +-inf, NaN, subnormals, +-max_finite, alone and mixed",
             special_values),
      family("ties", "all logits of a row equal: softmax exactly 1/n", ties),
      family("unified-max-window",
             "logits at, just inside and just outside [-9, 21] (unified max phi = 6, window "
             "[-15, 15]), far above and far below it, and rows mixing both",
             unified_max_window),
      family("max-position",
             "the maximum at each position, tail first: 10, 90 or 1000 above the rest, or "
             "among the lowest value",
             max_position),
      family("min-position", "max-position rows negated: the minimum at each position",
             min_position),
      family("tie-position", "max-position rows with the maximum repeated at the mirror position",
             tie_position),
      family("block-edge-max",
             "the maximum at the first and last element of each 16-, 32-, 64- and 256-wide "
             "block, partial blocks included",
             block_edge_max),
      family("common-offset", "N(0, 3^2) rows plus a common offset of +-1e4 or +-3e4",
             common_offset),
  };
  return all;
}

const Family* find_family(std::string_view name) {
  for (const Family& f : families())
    if (f.name == name) return &f;
  return nullptr;
}

std::uint64_t family_seed(std::uint64_t base_seed, std::string_view family_name) {
  return derive_seed(base_seed, fnv1a(family_name));
}

}  // namespace softcheck
