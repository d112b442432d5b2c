// The attention kernel interface: one call per head (core/attention.hpp). Kernels register
// in their own registry - their call is shaped Lq x Lk x d, not rows x n - under names of the
// same scheme as the row kernels, provider/attention/format/algorithm (for example
// builtin/attention/f32/flash2-bq64-bk64), and the gate selects them by the same globs.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/attention.hpp"
#include "core/format.hpp"
#include "core/fp8.hpp"

namespace softcheck {

// One head. Element types by the kernel's storage format as for row kernels (f64 double, f32
// float, bf16/f16 std::uint16_t bit patterns).
//   q: lq x d, k and v: lk x d, row-major, contiguous.
//   keep: lq x lk bytes, 1 = attended, or null (no mask) - always given for boolean masks.
//   bias: lq x lk additive bias in the storage format (0 or a sentinel), or null. A kernel
//         adds it to the (softcapped) scores. keep and bias are never both given.
//   mask: the structured description of the same mask (providers that take is_causal or a
//         padding length read it; built-in kernels read keep/bias).
//   out:  lq x d in the storage format.
//   lse:  lq values (the kernel's accumulation format, as doubles), or null when the gate
//         does not ask; a kernel that declares no LSE leaves it alone.
struct AttentionCall {
  AttentionShape shape;
  const void* q = nullptr;
  const void* k = nullptr;
  const void* v = nullptr;
  const std::uint8_t* keep = nullptr;
  const void* bias = nullptr;
  AttentionMask mask;
  double scale = 0.0;    // exact, never 0
  double softcap = 0.0;  // 0: none
  void* out = nullptr;
  double* lse = nullptr;
};

using AttentionFn = std::function<void(const AttentionCall&)>;

// What a kernel computes in; it sets the unit roundoffs of its contract (checks/
// attention_contract.hpp). Declared by the kernel, not measured.
struct AttentionFormats {
  Format storage = Format::f32;       // Q, K, V and O
  Format accumulation = Format::f32;  // scores, running max/sum, P V: f32 or f64
  PFormat p = PFormat::none;          // what P is rounded to before P V
};

// What a fully masked query row (no key attended) holds. The math gives 0/0; the default is
// NaN with LSE = -inf. Kernels declare otherwise (FlashAttention writes 0 and LSE = +inf; a
// kernel with a finite sentinel in place of -inf averages V: uniform, 1/Lk per key).
enum class MaskedRowOutput : std::uint8_t { nan, zero, uniform };
std::string_view name(MaskedRowOutput output);  // "nan", "zero", "uniform"

// What a kernel declares about itself: the gate reports these apart from violations.
struct AttentionDeclarations {
  MaskedRowOutput masked_row = MaskedRowOutput::nan;
  double masked_row_lse = -HUGE_VAL;  // -inf, +inf, or NaN
  // A case the kernel does not take (shape, mask kind or alignment, softcap, ...): returns
  // the reason, one line, or "" when it takes the case. Unset: takes every case.
  std::function<std::string(const AttentionCase&)> refuses;
};

struct AttentionKernel {
  AttentionFormats formats;
  std::string algorithm;  // "naive", "flash2-bq64-bk64", "split-kv4-bk64"
  std::string provider;   // "builtin", "torch", "vectors:NAME", ...
  AttentionFn run;
  bool provides_lse = false;
  AttentionDeclarations declared{};
  std::string name() const;  // provider/attention/<storage>/<algorithm>
};

class AttentionRegistry {
 public:
  static AttentionRegistry& instance();
  void add(AttentionKernel kernel);  // throws std::invalid_argument on a duplicate name
  const std::vector<AttentionKernel>& all() const { return kernels_; }
  std::vector<const AttentionKernel*> match(std::string_view glob) const;

 private:
  std::vector<AttentionKernel> kernels_;
};

// The buffers of one call built from a case: Q, K, V (and bias) encoded in the storage format,
// out and lse sized; call() points an AttentionCall at them. out() decodes the output.
class AttentionBuffers {
 public:
  AttentionBuffers(const AttentionCase& c, bool with_lse);
  AttentionCall call() const;
  std::vector<double> out() const;        // lq x d, decoded
  const std::vector<double>& lse() const { return lse_; }
  void clear_outputs(double fill);        // out and lse set to `fill` (NaN: unwritten shows)

 private:
  const AttentionCase* case_;
  std::vector<unsigned char> q_, k_, v_, bias_;
  mutable std::vector<unsigned char> out_;
  mutable std::vector<double> lse_;
  bool with_lse_;
};

// Registers the built-in attention kernels (src/kernels/attention_*.cpp). Idempotent.
void register_builtin_attention_kernels(AttentionRegistry& registry);

}  // namespace softcheck
