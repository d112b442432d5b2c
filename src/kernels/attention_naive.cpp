// The naive attention kernel: per query row the whole row of scores is materialised, as an
// unfused implementation (scores, softmax, P V as three steps) does. In the accumulation type T:
//   s_k (attention_math.hpp), m = max_k s_k, e_k = exp(s_k - m), l = sum_k e_k (in key order),
//   P_k = e_k / l, rounded to the P format when it is not none (a GPU naive path materialises
//   P in the storage dtype), O_j = sum_k P_k V_kj (in key order), LSE = m + log l.
// A fully masked row (every s_k = -inf, or no key at all) is 0/0: O = NaN and LSE = -inf, as
// declared (MaskedRowOutput::nan, the default).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/attention_math.hpp"

namespace softcheck::kernels {
namespace {

template <class T>
void naive_row(const AttentionCall& call, const AttentionFormats& formats,
               const AttentionHead<T>& head, std::size_t i, std::vector<T>& scores,
               std::vector<T>& out) {
  const std::size_t lk = head.shape.lk;
  T m = kMinusInf<T>;
  for (std::size_t k = 0; k < lk; ++k) {
    scores[k] = head.score(i, k);
    m = std::max(m, scores[k]);
  }
  if (m == kMinusInf<T>) {  // fully masked: exp(-inf - -inf) = NaN throughout
    fill_output_row(call, formats.storage, i, std::numeric_limits<double>::quiet_NaN());
    store_lse(call, i, -HUGE_VAL);
    return;
  }
  T l = 0;
  for (std::size_t k = 0; k < lk; ++k) {
    scores[k] = std::exp(scores[k] - m);
    l += scores[k];
  }
  std::fill(out.begin(), out.end(), T(0));
  for (std::size_t k = 0; k < lk; ++k)
    add_scaled_row(out.data(), round_p(scores[k] / l, formats.p), head.value_row(k), head.shape.d);
  store_output_row(call, formats.storage, i, out.data());
  store_lse(call, i, static_cast<double>(m + std::log(l)));
}

template <class T>
void naive_head(const AttentionCall& call, const AttentionFormats& formats) {
  const AttentionHead<T> head(call, formats.storage);
  std::vector<T> scores(call.shape.lk);
  std::vector<T> out(call.shape.d);
  for (std::size_t i = 0; i < call.shape.lq; ++i) naive_row(call, formats, head, i, scores, out);
}

}  // namespace

AttentionFn make_attention_naive(AttentionFormats formats) {
  if (accumulates_in_double(formats))
    return [formats](const AttentionCall& call) { naive_head<double>(call, formats); };
  return [formats](const AttentionCall& call) { naive_head<float>(call, formats); };
}

}  // namespace softcheck::kernels
