// Shared arithmetic of the built-in attention kernels (attention_naive.cpp,
// attention_flash2.cpp, attention_split_kv.cpp) and of the planted-bug replicas
// (tests/fixtures/planted_attention.hpp): one head's inputs decoded to the accumulation type T
// (float for f32 accumulation, double for f64), the score of one (query, key) pair, P rounded to
// its format, the FlashAttention-2 online-softmax state, and the output stores.
//
// Contract of the score (core/attention.hpp, ../MISSION.md "Attention"), all in T:
//   s = scale * (q_i . k_key)   the dot product summed in T in order j = 0..d-1, then multiplied
//                               by call.scale exactly as given: the product is formed in double
//                               and rounded to T (for float, within (1/2 + 2^-30) ulp: the
//                               double rounding of a 77-bit product);
//   s = c * tanh(s / c)         when call.softcap = c > 0 (c rounded to T);
//   s = s + bias[i, key]        when call.bias is given (0, -inf or a finite sentinel);
//   s = -inf                    when call.keep is given and keep[i, key] == 0.
// Every value in the storage formats is exact in T (bf16/f16/f32 in float, f64 in double), so
// decoding is exact; outputs are rounded once from T to the storage format.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/format.hpp"
#include "core/fp8.hpp"
#include "kernels/attention_kernel.hpp"

namespace softcheck::kernels {

template <class T>
inline constexpr T kMinusInf = -std::numeric_limits<T>::infinity();

// `count` elements of a buffer of storage format f, decoded exactly to T.
template <class T>
std::vector<T> decode_elements(Format f, const void* base, std::size_t count) {
  std::vector<T> values(count);
  switch (f) {
    case Format::f64: {
      const auto* x = static_cast<const double*>(base);
      for (std::size_t i = 0; i < count; ++i) values[i] = static_cast<T>(x[i]);
      break;
    }
    case Format::f32: {
      const auto* x = static_cast<const float*>(base);
      for (std::size_t i = 0; i < count; ++i) values[i] = static_cast<T>(x[i]);
      break;
    }
    case Format::bf16: {
      const auto* x = static_cast<const std::uint16_t*>(base);
      for (std::size_t i = 0; i < count; ++i) values[i] = static_cast<T>(decode_bf16(x[i]));
      break;
    }
    case Format::f16: {
      const auto* x = static_cast<const std::uint16_t*>(base);
      for (std::size_t i = 0; i < count; ++i) values[i] = static_cast<T>(decode_f16(x[i]));
      break;
    }
  }
  return values;
}

// P rounded to its format: done in double, where every bf16/f16/e4m3/e5m2 value is exact, and
// cast back to T exactly (each of those values is a float too).
template <class T>
T round_p(T p, PFormat format) {
  if (format == PFormat::none) return p;
  return static_cast<T>(round_to_p_format(static_cast<double>(p), format));
}

// One head of a call, decoded to T.
template <class T>
struct AttentionHead {
  AttentionShape shape;
  std::vector<T> q, k, v;  // lq x d, lk x d, lk x d
  std::vector<T> bias;     // lq x lk, or empty
  const std::uint8_t* keep = nullptr;
  double scale = 0.0;
  T softcap = 0;  // 0: none

  AttentionHead(const AttentionCall& call, Format storage)
      : shape(call.shape),
        q(decode_elements<T>(storage, call.q, call.shape.lq * call.shape.d)),
        k(decode_elements<T>(storage, call.k, call.shape.lk * call.shape.d)),
        v(decode_elements<T>(storage, call.v, call.shape.lk * call.shape.d)),
        bias(call.bias ? decode_elements<T>(storage, call.bias, call.shape.lq * call.shape.lk)
                       : std::vector<T>{}),
        keep(call.keep),
        scale(call.scale),
        softcap(static_cast<T>(call.softcap)) {}

  bool masked(std::size_t i, std::size_t key) const {
    return keep != nullptr && keep[i * shape.lk + key] == 0;
  }

  // scale * (q_i . k_key): the dot product in T, times the double scale, rounded to T.
  T scaled_dot(std::size_t i, std::size_t key) const {
    const T* qi = q.data() + i * shape.d;
    const T* kk = k.data() + key * shape.d;
    T dot = 0;
    for (std::size_t j = 0; j < shape.d; ++j) dot += qi[j] * kk[j];
    return static_cast<T>(scale * static_cast<double>(dot));
  }

  // The score of the header's contract.
  T score(std::size_t i, std::size_t key) const {
    if (masked(i, key)) return kMinusInf<T>;
    T s = scaled_dot(i, key);
    if (softcap > 0) s = softcap * std::tanh(s / softcap);
    if (!bias.empty()) s += bias[i * shape.lk + key];
    return s;
  }

  const T* value_row(std::size_t key) const { return v.data() + key * shape.d; }
};

// acc += p * v_row over the head dimension (vectorisable: every acc[j] is independent).
template <class T>
void add_scaled_row(T* acc, T p, const T* v_row, std::size_t d) {
  for (std::size_t j = 0; j < d; ++j) acc[j] += p * v_row[j];
}

// The FlashAttention-2 state of one query row: running max m, running sum l and the
// unnormalised output acc. add_tile folds in one key tile (scores of keys [first, first+count)):
//   m' = max(m, max s); all masked so far (m' = -inf): the tile is skipped;
//   alpha = exp(m - m') (0 while m = -inf); l = l alpha; acc = acc alpha;
//   per key: p~ = round_p(exp(s - m')), l += p~, acc += p~ v  (l sums the ROUNDED p).
// With P in [0, 1] (p = exp(s - m'), s <= m') no 8-bit format saturates.
template <class T>
struct OnlineSoftmaxRow {
  T m = kMinusInf<T>;
  T l = 0;
  std::vector<T> acc;

  explicit OnlineSoftmaxRow(std::size_t d) : acc(d, T(0)) {}

  void add_tile(const T* scores, std::size_t first, std::size_t count, const AttentionHead<T>& head,
                PFormat p_format) {
    T tile_max = kMinusInf<T>;
    for (std::size_t t = 0; t < count; ++t) tile_max = std::max(tile_max, scores[t]);
    const T m_new = std::max(m, tile_max);
    if (m_new == kMinusInf<T>) return;
    const T alpha = m == kMinusInf<T> ? T(0) : std::exp(m - m_new);
    l *= alpha;
    for (T& a : acc) a *= alpha;
    for (std::size_t t = 0; t < count; ++t) {
      const T p = round_p(std::exp(scores[t] - m_new), p_format);
      l += p;
      add_scaled_row(acc.data(), p, head.value_row(first + t), head.shape.d);
    }
    m = m_new;
  }

  bool empty() const { return l == 0; }      // no key attended (fully masked)
  T lse() const { return m + std::log(l); }  // when !empty()
};

// Row i of O: d values of T rounded to the storage format and stored.
template <class T>
void store_output_row(const AttentionCall& call, Format storage, std::size_t i, const T* row) {
  const std::size_t d = call.shape.d;
  for (std::size_t j = 0; j < d; ++j)
    store(storage, call.out, i * d + j, round_to_format(static_cast<double>(row[j]), storage));
}

// Row i of O set to one value (0 or NaN) in every column.
inline void fill_output_row(const AttentionCall& call, Format storage, std::size_t i,
                            double value) {
  const std::size_t d = call.shape.d;
  for (std::size_t j = 0; j < d; ++j) store(storage, call.out, i * d + j, value);
}

inline void store_lse(const AttentionCall& call, std::size_t i, double value) {
  if (call.lse != nullptr) call.lse[i] = value;
}

// The end of a FlashAttention-2 row: O = acc / l and LSE = m + log l, or, fully masked
// (l = 0), O = 0 and LSE = +inf as FlashAttention writes.
template <class T>
void finish_online_row(const AttentionCall& call, Format storage, std::size_t i,
                       OnlineSoftmaxRow<T>& row) {
  if (row.empty()) {
    fill_output_row(call, storage, i, 0.0);
    store_lse(call, i, HUGE_VAL);
    return;
  }
  for (T& a : row.acc) a /= row.l;
  store_output_row(call, storage, i, row.acc.data());
  store_lse(call, i, static_cast<double>(row.lse()));
}

// Whether a kernel accumulates in double (f64) or float (f32); any other format throws
// std::invalid_argument.
inline bool accumulates_in_double(const AttentionFormats& formats) {
  if (formats.accumulation == Format::f64) return true;
  if (formats.accumulation == Format::f32) return false;
  throw std::invalid_argument("attention kernels accumulate in f32 or f64, not " +
                              std::string(name(formats.accumulation)));
}

// The factories of the built-in attention kernels (attention_register.cpp names and registers
// them). formats.accumulation is f32 or f64.
AttentionFn make_attention_naive(AttentionFormats formats);  // attention_naive.cpp
// attention_flash2.cpp: query tiles of bq rows, key tiles of bk keys.
AttentionFn make_attention_flash2(AttentionFormats formats, std::size_t bq, std::size_t bk);
// attention_split_kv.cpp: `splits` contiguous key chunks, key tiles of bk within each.
AttentionFn make_attention_split_kv(AttentionFormats formats, std::size_t splits, std::size_t bk);

}  // namespace softcheck::kernels
