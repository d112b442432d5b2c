// The built-in attention kernels as registered: which algorithm runs in which formats, under
// which name (provider "builtin"; builtin/attention/<storage>/<algorithm>). Every one provides
// the LSE. naive declares fully masked rows NaN with LSE -inf (the default); flash2 and split-kv
// declare them 0 with LSE +inf, as FlashAttention writes.
//   f64 storage, f64 accumulation: naive, flash2-bq64-bk64, split-kv4-bk64
//   f32 storage, f32 accumulation: naive, flash2-bq64-bk64, flash2-bq16-bk32, split-kv4-bk64,
//                                  flash2-bq64-bk64-p{bf16,e4m3,e5m2}
//   bf16 storage, f32 accumulation, P bf16: naive, flash2-bq64-bk64; and flash2-bq64-bk64-pe4m3
//   f16 storage, f32 accumulation, P f16:   naive, flash2-bq64-bk64; and flash2-bq64-bk64-pe5m2
// The P format of a 16-bit storage format is that format (a GPU kernel holds P in the storage
// dtype); a flash2 name carries "-p<format>" only when P is rounded to another one.
// register_builtin_attention_kernels is idempotent: names already present are skipped.
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "kernels/attention_kernel.hpp"
#include "kernels/attention_math.hpp"

namespace softcheck {
namespace {

// The P format a kernel with this storage format uses unless told otherwise.
PFormat natural_p_format(Format storage) {
  switch (storage) {
    case Format::bf16: return PFormat::bf16;
    case Format::f16: return PFormat::f16;
    case Format::f32:
    case Format::f64: return PFormat::none;
  }
  return PFormat::none;
}

// The FlashAttention declaration of fully masked rows: O = 0, LSE = +inf.
AttentionDeclarations flash_declarations() {
  AttentionDeclarations declared;
  declared.masked_row = MaskedRowOutput::zero;
  declared.masked_row_lse = HUGE_VAL;
  return declared;
}

AttentionKernel builtin_kernel(AttentionFormats formats, std::string algorithm, AttentionFn run,
                               AttentionDeclarations declared) {
  AttentionKernel kernel;
  kernel.formats = formats;
  kernel.algorithm = std::move(algorithm);
  kernel.provider = "builtin";
  kernel.run = std::move(run);
  kernel.provides_lse = true;
  kernel.declared = std::move(declared);
  return kernel;
}

AttentionKernel naive(Format storage, Format accumulation) {
  const AttentionFormats formats{storage, accumulation, natural_p_format(storage)};
  return builtin_kernel(formats, "naive", kernels::make_attention_naive(formats), {});
}

AttentionKernel flash2(Format storage, Format accumulation, std::size_t bq, std::size_t bk,
                       PFormat p) {
  const AttentionFormats formats{storage, accumulation, p};
  std::string algorithm = "flash2-bq" + std::to_string(bq) + "-bk" + std::to_string(bk);
  if (p != natural_p_format(storage)) algorithm += "-p" + std::string(name(p));
  return builtin_kernel(formats, algorithm, kernels::make_attention_flash2(formats, bq, bk),
                        flash_declarations());
}

AttentionKernel flash2(Format storage, Format accumulation, std::size_t bq, std::size_t bk) {
  return flash2(storage, accumulation, bq, bk, natural_p_format(storage));
}

AttentionKernel split_kv(Format storage, Format accumulation, std::size_t splits, std::size_t bk) {
  const AttentionFormats formats{storage, accumulation, natural_p_format(storage)};
  const std::string algorithm = "split-kv" + std::to_string(splits) + "-bk" + std::to_string(bk);
  return builtin_kernel(formats, algorithm, kernels::make_attention_split_kv(formats, splits, bk),
                        flash_declarations());
}

// The tile sizes of the registered kernels: FlashAttention-2's common forward tiles (64 x 64),
// a smaller pair so tile boundaries fall elsewhere, and FlashDecoding's split into 4.
constexpr std::size_t kTile = 64;
constexpr std::size_t kSmallQueryTile = 16;
constexpr std::size_t kSmallKeyTile = 32;
constexpr std::size_t kSplits = 4;

std::vector<AttentionKernel> builtin_attention_kernels() {
  const Format f64 = Format::f64, f32 = Format::f32, bf16 = Format::bf16, f16 = Format::f16;
  return {
      naive(f64, f64),
      flash2(f64, f64, kTile, kTile),
      split_kv(f64, f64, kSplits, kTile),
      naive(f32, f32),
      flash2(f32, f32, kTile, kTile),
      flash2(f32, f32, kSmallQueryTile, kSmallKeyTile),
      split_kv(f32, f32, kSplits, kTile),
      flash2(f32, f32, kTile, kTile, PFormat::bf16),
      flash2(f32, f32, kTile, kTile, PFormat::e4m3),
      flash2(f32, f32, kTile, kTile, PFormat::e5m2),
      naive(bf16, f32),
      flash2(bf16, f32, kTile, kTile),
      flash2(bf16, f32, kTile, kTile, PFormat::e4m3),
      naive(f16, f32),
      flash2(f16, f32, kTile, kTile),
      flash2(f16, f32, kTile, kTile, PFormat::e5m2),
  };
}

bool registered(const AttentionRegistry& registry, const std::string& name) {
  for (const AttentionKernel& kernel : registry.all())
    if (kernel.name() == name) return true;
  return false;
}

}  // namespace

void register_builtin_attention_kernels(AttentionRegistry& registry) {
  for (AttentionKernel& kernel : builtin_attention_kernels())
    if (!registered(registry, kernel.name())) registry.add(std::move(kernel));
}

}  // namespace softcheck
