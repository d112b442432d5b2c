// The exhaustive sweep of a 16-bit format: see exhaustive.hpp.
#include "checks/exhaustive.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <set>
#include <stdexcept>
#include <tuple>

#include "checks/batch_references.hpp"
#include "checks/gate_merge.hpp"
#include "core/double_bits.hpp"

namespace softcheck {
namespace {

double decode(std::uint16_t bits, Format format) {
  return format == Format::bf16 ? decode_bf16(bits) : decode_f16(bits);
}

// The logit rows of shard `index` with every target `target`: 256 batches of 65,536 rows
// (a, c), row r of batch b being exhaustive_pair(index, b, r); the singles: one batch of the
// 65,536 rows (a).
std::vector<Batch> shard_batches(std::size_t index, Format format, std::int64_t target) {
  std::vector<Batch> batches;
  if (index == kSinglesShard) {
    Batch batch{format, kPatterns, 1, {}, std::vector<std::int64_t>(kPatterns, 0), {}};
    batch.values.resize(kPatterns);
    for (std::size_t a = 0; a < kPatterns; ++a)
      batch.values[a] = decode(static_cast<std::uint16_t>(a), format);
    batches.push_back(std::move(batch));
    return batches;
  }
  for (std::size_t b = 0; b < 256; ++b) {
    Batch batch{format, kPatterns, 2, {}, std::vector<std::int64_t>(kPatterns, target), {}};
    batch.values.resize(2 * kPatterns);
    for (std::size_t r = 0; r < kPatterns; ++r) {
      const auto [first, second] = exhaustive_pair(index, b, r);
      batch.values[2 * r] = decode(first, format);
      batch.values[2 * r + 1] = decode(second, format);
    }
    batches.push_back(std::move(batch));
  }
  return batches;
}

bool takes_target(const Kernel& kernel) { return kernel.op.spec().takes(Input::target); }

// Collects the hardest cases of one gate run from each batch's references, for one kernel of
// each op (the references of an op are the same for all its kernels).
class HardestCollector {
 public:
  HardestCollector(std::size_t shard, Format format, const std::vector<const Kernel*>& kernels)
      : shard_(shard), format_(format) {
    for (const Kernel* k : kernels) {
      if (std::any_of(ops_.begin(), ops_.end(), [&](const Op& o) { return o.kernel->op == k->op; }))
        continue;
      const std::string op(name(k->op));
      const bool loss = has_loss(k->op);
      Kind& elements = kind(loss ? op + ".gradient" : op);
      Kind* value = loss || has_row_output(k->op) ? &kind(loss ? op + ".loss" : op) : nullptr;
      ops_.push_back({k, &elements, value});
    }
  }

  // The gate's second pass (kernels of other providers) computes a batch's references again;
  // each (op, batch, target side) is considered once.
  void add(const Batch& batch, std::size_t b, const BatchReferences& references) {
    for (std::size_t o = 0; o < ops_.size(); ++o) {
      const Kernel& kernel = *ops_[o].kernel;
      if (!references.has(kernel) || !seen_.insert({o, b, batch.targets.at(0)}).second) continue;
      const std::vector<reference::OpRow>& rows = references.of(kernel);
      Kind& elements = *ops_[o].elements;
      Kind* value = ops_[o].value;
      for (std::size_t r = 0; r < rows.size(); ++r) {
        for (std::size_t i = 0; i < rows[r].elements.size(); ++i)
          consider(elements, rows[r].elements[i], batch, b, r, i);
        if (value) consider(*value, rows[r].value, batch, b, r, 0);
      }
    }
  }

  std::vector<HardCase> take() {
    std::vector<HardCase> all;
    for (auto& [kind, k] : kinds_) {
      keep_hardest(k.cases, kHardestPerShard);
      all.insert(all.end(), k.cases.begin(), k.cases.end());
    }
    return all;
  }

 private:
  struct Kind {
    std::string output;
    std::vector<HardCase> cases;
    double bar = 0.5;  // candidates at or past it cannot enter the kept ones
  };
  struct Op {  // one kernel of each op, and where its outputs' cases go
    const Kernel* kernel;
    Kind* elements;
    Kind* value;  // the row output or loss; null for an op without one
  };

  Kind& kind(const std::string& output) {
    Kind& k = kinds_[output];
    k.output = output;
    return k;
  }

  void consider(Kind& k, const reference::Exact& exact, const Batch& batch, std::size_t b,
                std::size_t r, std::size_t element) {
    if (!std::isfinite(exact.exact_hi) || !may_be_near_midpoint(exact.exact_hi, k.bar, format_))
      return;
    const auto distance = midpoint_distance(exact.exact_hi, exact.exact_lo, format_);
    if (!distance || *distance >= k.bar) return;
    HardCase c{k.output, {}, batch.targets[r], element, exact.exact_hi, exact.exact_lo, exact.rounded,
               *distance};
    if (batch.n == 1) {
      c.logits = {static_cast<std::uint16_t>(r)};
    } else {
      const auto [first, second] = exhaustive_pair(shard_, b, r);
      c.logits = {first, second};
    }
    k.cases.push_back(std::move(c));
    if (k.cases.size() >= 4 * kHardestPerShard) {
      keep_hardest(k.cases, kHardestPerShard);
      k.bar = k.cases.back().distance;
    }
  }

  std::size_t shard_;
  Format format_;
  std::vector<Op> ops_;
  std::map<std::string, Kind> kinds_;  // by output kind; std::map keeps the pointers in ops_ valid
  std::set<std::tuple<std::size_t, std::size_t, std::int64_t>> seen_;  // (op, batch, target)
};

}  // namespace

void add_target_pass(GateParts& shard, GateParts pass, int target) {
  if (shard.kernels.empty()) {
    shard.seed = pass.seed;
    shard.suite = pass.suite;
    shard.kernels = pass.kernels;
  }
  for (GatePart& part : pass.parts) {
    const Kernel* kernel = pass.kernels.at(part.kernel).kernel;
    const auto at = std::find_if(shard.kernels.begin(), shard.kernels.end(),
                                 [&](const KernelResult& k) { return k.kernel == kernel; });
    if (at == shard.kernels.end()) throw std::logic_error("exhaustive: a kernel outside the first pass");
    part.kernel = static_cast<std::size_t>(at - shard.kernels.begin());
    part.unit = target;
    shard.parts.push_back(std::move(part));
  }
  for (const auto& [unit, elements] : pass.batch_elements) {
    std::vector<std::size_t>& total = shard.batch_elements[target];
    total.insert(total.end(), elements.begin(), elements.end());
  }
}

std::string exhaustive_shard_name(std::size_t index) {
  if (index == kSinglesShard) return "singles";
  char text[16];
  std::snprintf(text, sizeof text, "pairs-0x%02zx", index);
  return text;
}

std::uint32_t scramble24(std::uint32_t x) {
  constexpr std::uint32_t mask = (std::uint32_t{1} << 24) - 1;
  x &= mask;
  x ^= x >> 12;
  x = (x * 0x85EBCA6Bu) & mask;
  x ^= x >> 13;
  x = (x * 0xC2B2AE35u) & mask;
  x ^= x >> 11;
  return x;
}

std::pair<std::uint16_t, std::uint16_t> exhaustive_pair(std::size_t index, std::size_t b,
                                                        std::size_t r) {
  const std::uint32_t row = scramble24(static_cast<std::uint32_t>(b * kPatterns + r));
  return {static_cast<std::uint16_t>(index * 256 + (row >> 16)),
          static_cast<std::uint16_t>(row & 0xFFFF)};
}

std::optional<std::size_t> parse_exhaustive_shard(std::string_view name) {
  for (std::size_t i = 0; i <= kSinglesShard; ++i)
    if (exhaustive_shard_name(i) == name) return i;
  return std::nullopt;
}

std::optional<double> midpoint_distance(double hi, double lo, Format format) {
  if (!std::isfinite(hi) || hi == 0.0) return std::nullopt;
  const FormatTraits t = traits(format);
  const int exponent = std::max(exponent_of(hi), t.min_exponent);
  if (exponent > t.max_exponent) return std::nullopt;
  const int quantum = exponent - (t.precision - 1);
  const double scaled = std::fabs(scale2(hi, -quantum));  // below 2^precision: exact
  const double fraction = scaled - std::floor(scaled);
  const double along = scale2(hi > 0 ? lo : -lo, -quantum);  // lo in the direction of |x|
  if (fraction == 0.0 && lo == 0.0) return std::nullopt;  // on the grid
  const double offset = std::fabs((fraction - 0.5) + along);
  return std::min(offset, 0.5);
}

bool may_be_near_midpoint(double hi, double bar, Format format) {
  const FormatTraits t = traits(format);
  const int below = 52 - (t.precision - 1);  // hi's fraction bits below the format's last
  if (below < 2) return true;
  const auto bits = std::bit_cast<std::uint64_t>(hi);
  const int biased = static_cast<int>((bits >> 52) & 0x7FF);
  const int exponent = biased - 1023;
  if (biased == 0 || exponent < t.min_exponent || exponent > t.max_exponent) return true;
  // In ulps of the format, |fraction - 1/2| = gap / 2^below exactly, and lo moves x by at
  // most half a unit of that grid (half an ulp of hi); midpoint_distance's one rounded sum
  // costs a relative 2^-53 at most, which the factor 1 + 2^-50 covers.
  const std::uint64_t fraction = bits & ((std::uint64_t{1} << below) - 1);
  const std::uint64_t half = std::uint64_t{1} << (below - 1);
  const std::uint64_t gap = fraction > half ? fraction - half : half - fraction;
  const double lower = std::ldexp(static_cast<double>(gap) - 1.0, -below);
  return !(lower > bar * (1.0 + 0x1p-50));
}

void keep_hardest(std::vector<HardCase>& cases, std::size_t keep) {
  // Ties in distance go by the output, so the kept cases do not depend on the order met.
  std::sort(cases.begin(), cases.end(), [](const HardCase& a, const HardCase& b) {
    return std::tie(a.distance, a.output, a.logits, a.target, a.element) <
           std::tie(b.distance, b.output, b.logits, b.target, b.element);
  });
  // The same output met twice (the gate's second pass over a batch, for kernels of other
  // providers, computes its references again) counts once.
  std::vector<HardCase> kept;
  for (HardCase& c : cases) {
    if (kept.size() >= keep) break;
    const bool seen = std::any_of(kept.begin(), kept.end(), [&](const HardCase& k) {
      return k.output == c.output && k.logits == c.logits && k.target == c.target &&
             k.element == c.element;
    });
    if (!seen) kept.push_back(std::move(c));
  }
  cases = std::move(kept);
}

ExhaustiveShard run_exhaustive_shard(std::size_t index, const std::vector<const Kernel*>& kernels,
                                     const ContractSet& contracts, const ExhaustiveOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  const Format format = options.format;
  ExhaustiveShard out;
  out.format = format;
  out.index = index;
  const bool singles = index == kSinglesShard;
  out.rows = singles ? kPatterns : kPatterns * 256;
  HardestCollector hardest(index, format, kernels);
  // One gate pass per target side: every kernel with target 0, then (pairs only) the kernels
  // that take a target with target 1. The passes' parts join as one gate run's, so the bias
  // check's union bound counts every family tested in the shard.
  GateParts shard_parts;
  for (const std::int64_t target : {0, 1}) {
    std::vector<const Kernel*> chosen;
    for (const Kernel* k : kernels)
      if (target == 0 || takes_target(*k)) chosen.push_back(k);
    if (chosen.empty() || (singles && target == 1)) continue;
    const std::string family_name = "exhaustive-" + std::string(name(format)) + "-" +
                                    exhaustive_shard_name(index) + "-target-" + std::to_string(target);
    const std::vector<Family> family{
        {family_name, "every row of the shard, target " + std::to_string(target),
         [index, target](Format f, Suite, std::uint64_t) { return shard_batches(index, f, target); }}};
    GateOptions gate;
    gate.threads = options.threads;
    gate.probe_calls = false;
    gate.families = &family;
    gate.progress = options.progress;
    gate.on_references = [&](const Batch& batch, std::size_t b, const BatchReferences& references) {
      hardest.add(batch, b, references);
    };
    add_target_pass(shard_parts, run_gate_parts(chosen, contracts, gate), static_cast<int>(target));
  }
  const GateResult run = join_gate_parts(shard_parts, GateOptions{}.reproducers_per_check);
  for (std::size_t i = 0; i < kernels.size(); ++i) {
    ExhaustiveKernel entry;
    entry.kernel = kernels[i]->name();
    entry.result = run.kernels.at(i);
    entry.rows = out.rows * (!singles && takes_target(*kernels[i]) ? 2 : 1);  // both target sides
    out.kernels.push_back(std::move(entry));
  }
  out.hardest = hardest.take();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  return out;
}

}  // namespace softcheck
