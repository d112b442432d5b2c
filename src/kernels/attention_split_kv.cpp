// The split-KV kernel (FlashDecoding, Dao et al. 2023): the keys are split into `splits`
// contiguous chunks of ceil(lk / splits) keys (the last ones shorter or empty); each chunk runs
// the FlashAttention-2 inner loop (OnlineSoftmaxRow, key tiles of bk) and returns its
// normalised output O_j = acc_j / l_j and LSE_j = m_j + log l_j in the accumulation type T; a
// fully masked (or empty) chunk returns LSE_j = -inf and weight 0. The merge, per query row:
//   M = max_j LSE_j, w_j = exp(LSE_j - M), LSE = M + log sum_j w_j, O = sum_j w_j O_j / sum_j w_j.
// Dividing by the computed sum of the weights keeps O a convex combination of the O_j. The
// textbook form O = sum_j exp(LSE_j - LSE) O_j relies on those factors summing to 1, which
// fails where the scores are so large that an ulp of LSE exceeds the log of the partial sums
// (every score near -FLT_MAX/2: LSE_j and LSE round to the same value, every factor is 1 and
// O is the sum of the O_j); tests/fixtures/planted_attention.hpp keeps that form as a replica.
// A fully masked row (every LSE_j = -inf) gives O = 0 and LSE = +inf, as FlashAttention writes;
// declared MaskedRowOutput::zero with masked_row_lse = +inf (attention_register.cpp).
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "kernels/attention_math.hpp"

namespace softcheck::kernels {
namespace {

// One chunk's result for one query row.
template <class T>
struct ChunkResult {
  T lse = kMinusInf<T>;  // -inf: no key attended
  std::vector<T> out;    // normalised; empty when lse = -inf
};

template <class T>
ChunkResult<T> run_chunk(const AttentionHead<T>& head, const AttentionFormats& formats,
                         std::size_t i, std::size_t begin, std::size_t end, std::size_t bk,
                         std::vector<T>& scores) {
  OnlineSoftmaxRow<T> row(head.shape.d);
  for (std::size_t first_key = begin; first_key < end; first_key += bk) {
    const std::size_t count = std::min(bk, end - first_key);
    for (std::size_t t = 0; t < count; ++t) scores[t] = head.score(i, first_key + t);
    row.add_tile(scores.data(), first_key, count, head, formats.p);
  }
  if (row.empty()) return {};
  for (T& a : row.acc) a /= row.l;
  return {row.lse(), std::move(row.acc)};
}

// The log-sum-exp merge of the chunks of one row, stored as row i of O and LSE.
template <class T>
void merge_chunks(const AttentionCall& call, const AttentionFormats& formats, std::size_t i,
                  const std::vector<ChunkResult<T>>& chunks) {
  T max_lse = kMinusInf<T>;
  for (const ChunkResult<T>& c : chunks) max_lse = std::max(max_lse, c.lse);
  if (max_lse == kMinusInf<T>) {
    fill_output_row(call, formats.storage, i, 0.0);
    store_lse(call, i, HUGE_VAL);
    return;
  }
  T sum = 0;
  std::vector<T> out(call.shape.d, T(0));
  for (const ChunkResult<T>& c : chunks) {
    if (c.lse == kMinusInf<T>) continue;
    const T weight = std::exp(c.lse - max_lse);
    sum += weight;
    add_scaled_row(out.data(), weight, c.out.data(), call.shape.d);
  }
  const T lse = max_lse + std::log(sum);
  for (T& o : out) o /= sum;
  store_output_row(call, formats.storage, i, out.data());
  store_lse(call, i, static_cast<double>(lse));
}

template <class T>
void split_kv_head(const AttentionCall& call, const AttentionFormats& formats, std::size_t splits,
                   std::size_t bk) {
  const AttentionHead<T> head(call, formats.storage);
  const std::size_t lk = call.shape.lk;
  const std::size_t chunk = (lk + splits - 1) / splits;
  std::vector<T> scores(bk);
  std::vector<ChunkResult<T>> chunks(splits);
  for (std::size_t i = 0; i < call.shape.lq; ++i) {
    for (std::size_t j = 0; j < splits; ++j) {
      const std::size_t begin = std::min(lk, j * chunk);
      chunks[j] = run_chunk(head, formats, i, begin, std::min(lk, begin + chunk), bk, scores);
    }
    merge_chunks(call, formats, i, chunks);
  }
}

}  // namespace

AttentionFn make_attention_split_kv(AttentionFormats formats, std::size_t splits, std::size_t bk) {
  if (accumulates_in_double(formats))
    return [=](const AttentionCall& call) { split_kv_head<double>(call, formats, splits, bk); };
  return [=](const AttentionCall& call) { split_kv_head<float>(call, formats, splits, bk); };
}

}  // namespace softcheck::kernels
