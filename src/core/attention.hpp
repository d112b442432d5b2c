// Attention, per head: scores s = scale * Q K^T, optionally softcapped (s -> c tanh(s / c)),
// masked, P = softmax(s) row-wise, O = P V and LSE_i = log sum_k exp(s_ik) (../MISSION.md,
// "Attention"; docs/attention.md). This header holds what every layer shares: the shape, the
// mask (structured, and as the dense keep/bias arrays kernels read), the parameters, and one
// case - the inputs of one head, every value exactly representable in the case's format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/format.hpp"

namespace softcheck {

struct AttentionShape {
  std::size_t lq = 0;  // query rows
  std::size_t lk = 0;  // keys (and values)
  std::size_t d = 0;   // head dimension of Q, K and V
};

// Which keys a query row attends to. Query row i sits at absolute position i + query_offset
// (bottom-right alignment, as FlashAttention: query_offset = lk - lq; top-left, as PyTorch's
// is_causal: 0).
//   none:           every key.
//   causal:         k <= i + query_offset.
//   sliding_window: causal, and k > i + query_offset - window (the last `window` positions).
//   key_padding:    k < valid_keys (the same for every query row).
//   explicit_keep:  the dense keep array as generated (a family's own pattern).
enum class MaskKind : std::uint8_t { none, causal, sliding_window, key_padding, explicit_keep };
std::string_view name(MaskKind kind);

struct AttentionMask {
  MaskKind kind = MaskKind::none;
  std::int64_t query_offset = 0;
  std::size_t window = 0;
  std::size_t valid_keys = 0;
  // How kernels receive it: false - booleans (keep[i * lk + k] = 1 where attended); true - an
  // additive bias in the case's format (0 where attended, `sentinel` where masked; -inf, or a
  // finite sentinel such as -5e4 that the math then treats as an ordinary large negative
  // score).
  bool additive = false;
  double sentinel = -std::numeric_limits<double>::infinity();

  // Whether the structured mask keeps key k for query row i (explicit_keep: true).
  bool keeps(std::size_t i, std::size_t k) const;
};

struct AttentionParameters {
  double scale = 0.0;    // used exactly as given; 0 selects default_scale(d)
  double softcap = 0.0;  // c > 0: s -> c tanh(s / c); 0: none
};

// 1 / sqrt(d) rounded to double (the default scale of PyTorch and FlashAttention).
double default_scale(std::size_t d);

// The inputs of one head. Q is lq x d, K and V are lk x d, row-major; keep and bias are
// lq x lk. Values are doubles exactly representable in `format`.
struct AttentionCase {
  Format format = Format::f32;
  AttentionShape shape;
  AttentionParameters parameters;
  AttentionMask mask;
  std::vector<double> q, k, v;
  std::vector<std::uint8_t> keep;  // 1 = attended; every query row's pattern, always filled
  std::vector<double> bias;        // additive masks: 0 or the sentinel (rounded to format); else empty

  double scale() const;  // parameters.scale, or default_scale(d)
  bool attended(std::size_t i, std::size_t k) const { return keep[i * shape.lk + k] != 0; }
  // Whether query row i attends to no key at all (boolean masks, or additive ones with -inf).
  bool fully_masked(std::size_t i) const;
  // keep (and bias, when additive) from the structured mask; explicit_keep leaves keep as is.
  void apply_mask();
};

// Throws std::invalid_argument naming the problem when the case is inconsistent (sizes,
// shape zero where not allowed, values not representable in the format, NaN inputs, a
// non-finite or negative softcap, a non-finite scale).
void validate(const AttentionCase& c);

}  // namespace softcheck
