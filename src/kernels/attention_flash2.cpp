// The FlashAttention-2 kernel (Dao 2023): queries in tiles of bq rows, keys in tiles of bk; for
// each query tile the key tiles stream past every row's online-softmax state (running max m,
// running sum l, unnormalised output acc; OnlineSoftmaxRow in attention_math.hpp), all in the
// accumulation type T:
//   m' = max(m, max of the tile's scores); a tile with m' = -inf (all masked so far) is skipped;
//   alpha = exp(m - m') (0 while m = -inf); p~_k = round_p(exp(s_k - m'));
//   l = l alpha + sum_k p~_k; acc = acc alpha + sum_k p~_k V_k;
//   at the end O = acc / l (rounded to storage), LSE = m + log l.
// P is rounded to the P format (none, the 16-bit storage format, or e4m3/e5m2) before P V. Like
// FlashAttention-3's FP8 path it rounds P = exp(s - m') in [0, 1], so e4m3 never saturates.
//
// Choice: l sums the ROUNDED p~, consistent with the numerator, so the normalisation of O is
// that of the probabilities actually used. GPU kernels often sum the unrounded p instead; with
// P rounded in the numerator only, probabilities that underflow to 0 in the 8-bit format still
// count in l - exactly the published FP8 bug (ROCm FlyDSL PR #1020), which
// tests/fixtures/planted_attention.hpp replicates.
//
// A fully masked row (l = 0) gives O = 0 and LSE = +inf, as FlashAttention writes; declared
// MaskedRowOutput::zero with masked_row_lse = +inf (attention_register.cpp).
#include <algorithm>
#include <vector>

#include "kernels/attention_math.hpp"

namespace softcheck::kernels {
namespace {

// Rows [first_row, first_row + rows): every key tile folded into each row's state in turn.
template <class T>
void flash2_query_tile(const AttentionCall& call, const AttentionFormats& formats,
                       const AttentionHead<T>& head, std::size_t first_row, std::size_t rows,
                       std::size_t bk) {
  const std::size_t lk = head.shape.lk;
  std::vector<OnlineSoftmaxRow<T>> states(rows, OnlineSoftmaxRow<T>(head.shape.d));
  std::vector<T> scores(bk);
  for (std::size_t first_key = 0; first_key < lk; first_key += bk) {
    const std::size_t count = std::min(bk, lk - first_key);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t t = 0; t < count; ++t) scores[t] = head.score(first_row + r, first_key + t);
      states[r].add_tile(scores.data(), first_key, count, head, formats.p);
    }
  }
  for (std::size_t r = 0; r < rows; ++r)
    finish_online_row(call, formats.storage, first_row + r, states[r]);
}

template <class T>
void flash2_head(const AttentionCall& call, const AttentionFormats& formats, std::size_t bq,
                 std::size_t bk) {
  const AttentionHead<T> head(call, formats.storage);
  for (std::size_t first_row = 0; first_row < call.shape.lq; first_row += bq)
    flash2_query_tile(call, formats, head, first_row, std::min(bq, call.shape.lq - first_row), bk);
}

}  // namespace

AttentionFn make_attention_flash2(AttentionFormats formats, std::size_t bq, std::size_t bk) {
  if (accumulates_in_double(formats))
    return [=](const AttentionCall& call) { flash2_head<double>(call, formats, bq, bk); };
  return [=](const AttentionCall& call) { flash2_head<float>(call, formats, bq, bk); };
}

}  // namespace softcheck::kernels
