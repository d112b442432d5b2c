#include "checks/attention_gate.hpp"

#include <chrono>
#include <cmath>
#include <exception>
#include <set>
#include <stdexcept>
#include <sstream>

#include "checks/attention_contract.hpp"
#include "core/parallel.hpp"
#include "kernels/kernel.hpp"
#include "reference/attention_reference.hpp"

namespace softcheck {
namespace {

using reference::AttentionReference;

Format lse_format(const AttentionKernel& k) { return k.formats.accumulation; }

std::string describe(const AttentionCase& c) {
  std::ostringstream out;
  out << "Lq x Lk x d = " << c.shape.lq << " x " << c.shape.lk << " x " << c.shape.d << ", mask "
      << name(c.mask.kind);
  if (c.mask.kind == MaskKind::causal || c.mask.kind == MaskKind::sliding_window)
    out << " (query offset " << c.mask.query_offset << ")";
  if (c.mask.additive) out << ", additive (sentinel " << c.mask.sentinel << ")";
  out << ", scale " << c.scale();
  if (c.parameters.softcap > 0) out << ", softcap " << c.parameters.softcap;
  return out.str();
}

// The cases of one family in one format, and their references by LSE format.
struct FamilyCases {
  const AttentionFamily* family;
  Format format;
  std::uint64_t seed;
  std::vector<AttentionCase> cases;
  std::map<Format, std::vector<AttentionReference>> references;  // by LSE format
};

struct Recorder {
  AttentionKernelResult& result;
  std::size_t keep;
  AttentionViolation base;

  void value(const std::string& check, double got, const reference::Exact& expected, double allowance,
             Format format, std::size_t row, std::size_t column, bool vacuous = false) {
    AttentionCheckStats& stats = result.checks[check];
    ++stats.checked;
    if (vacuous) {
      ++stats.vacuous;
      const double error = std::fabs((got - expected.exact_hi) - expected.exact_lo);
      const double allowed = ulp(expected.exact_hi, format) + allowance;
      if (!(error <= allowed))
        violation(check, row, column, got, expected.rounded, expected.exact_hi, error, allowed,
                  "outside the convex hull of the attended V rows");
      return;
    }
    const double exact = expected.exact_hi;
    double error = std::fabs((got - expected.exact_hi) - expected.exact_lo);
    if (!std::isfinite(got)) error = got == exact ? 0.0 : HUGE_VAL;
    const double allowed = ulp(exact, format) / 2 + allowance;
    if (!std::isfinite(allowed)) {
      ++stats.vacuous;
      if (std::isfinite(error)) return;
    } else if (error <= allowed) {
      stats.worst_ratio = std::max(stats.worst_ratio, allowed > 0 ? error / allowed : 0.0);
      return;
    }
    stats.worst_ratio = std::max(stats.worst_ratio, allowed > 0 ? error / allowed : HUGE_VAL);
    violation(check, row, column, got, expected.rounded, exact, error, allowed, "");
  }

  void violation(const std::string& check, std::size_t row, std::size_t column, double got,
                 double expected, double exact, double error, double allowed, std::string message) {
    AttentionCheckStats& stats = result.checks[check];
    ++stats.violations;
    if (stats.kept >= keep) return;
    ++stats.kept;
    AttentionViolation v = base;
    v.check = check;
    v.row = row;
    v.column = column;
    v.got = got;
    v.expected = expected;
    v.exact = exact;
    v.error = error;
    v.allowed = allowed;
    v.message = std::move(message);
    result.reproducers.push_back(std::move(v));
  }
};

bool matches_declared(double got, double declared) {
  if (std::isnan(declared)) return std::isnan(got);
  return got == declared;
}

void check_masked_row(Recorder& r, const AttentionKernel& kernel, const AttentionCase& c,
                      std::size_t row, const std::vector<double>& out, const std::vector<double>& lse) {
  const std::size_t d = c.shape.d, lk = c.shape.lk;
  AttentionCheckStats& stats = r.result.checks["masked-row"];
  ++stats.checked;
  const MaskedRowOutput declared = kernel.declared.masked_row;
  for (std::size_t j = 0; j < d; ++j) {
    const double got = out[row * d + j];
    double expected = NAN, allowed = 0.0;
    bool ok = false;
    switch (declared) {
      case MaskedRowOutput::nan: ok = std::isnan(got); break;
      case MaskedRowOutput::zero: expected = 0.0; ok = got == 0.0; break;
      case MaskedRowOutput::uniform: {
        double mean = 0.0, magnitude = 0.0;
        for (std::size_t k = 0; k < lk; ++k) {
          mean += c.v[k * d + j];
          magnitude += std::fabs(c.v[k * d + j]);
        }
        mean /= static_cast<double>(lk);
        expected = round_to_format(mean, c.format);
        const double u = epsilon(kernel.formats.accumulation) / 2;
        allowed = ulp(mean, c.format) / 2 + kContractKappa * gamma(2.0 * lk, u) * magnitude / lk;
        ok = std::fabs(got - mean) <= allowed;
        break;
      }
    }
    if (!ok) {
      r.violation("masked-row", row, j, got, expected, expected, std::fabs(got - expected), allowed,
                  "fully masked row: declared " + std::string(name(declared)));
      return;
    }
  }
  if (!lse.empty() && !matches_declared(lse[row], kernel.declared.masked_row_lse))
    r.violation("masked-row", row, 0, lse[row], kernel.declared.masked_row_lse,
                kernel.declared.masked_row_lse, HUGE_VAL, 0.0, "fully masked row's LSE");
}

void check_case(AttentionKernelResult& result, const AttentionKernel& kernel, const FamilyCases& fc,
                std::size_t index, const AttentionGateOptions& options) {
  const AttentionCase& c = fc.cases[index];
  const AttentionReference& ref = fc.references.at(lse_format(kernel))[index];
  Recorder r{result, options.reproducers_per_check, {}};
  r.base.kernel = kernel.name();
  r.base.family = fc.family->name;
  r.base.family_seed = fc.seed;
  r.base.case_index = index;
  r.base.description = describe(c);

  AttentionBuffers buffers(c, kernel.provides_lse);
  buffers.clear_outputs(std::nan(""));
  try {
    kernel.run(buffers.call());
  } catch (const std::exception& e) {
    ++result.checks["crash"].checked;
    r.violation("crash", 0, 0, NAN, NAN, NAN, HUGE_VAL, 0.0, e.what());
    return;
  }
  ++result.checks["crash"].checked;
  const std::vector<double> out = buffers.out();
  const std::vector<double>& lse = buffers.lse();
  const std::size_t d = c.shape.d;
  for (std::size_t i = 0; i < c.shape.lq; ++i) {
    if (ref.lse[i].rounded == -HUGE_VAL && std::isnan(ref.out[i * d].rounded)) {
      check_masked_row(r, kernel, c, i, out, lse);
      continue;
    }
    std::vector<double> exact(d);
    for (std::size_t j = 0; j < d; ++j) exact[j] = ref.out[i * d + j].exact_hi;
    const AttentionAllowance allowance = attention_allowance(c, i, kernel.formats, exact);
    for (std::size_t j = 0; j < d; ++j)
      r.value("output", out[i * d + j], ref.out[i * d + j], allowance.out[j], c.format, i, j,
              allowance.vacuous);
    if (!lse.empty())
      r.value("lse", lse[i], ref.lse[i], allowance.lse, lse_format(kernel), i, 0);
  }
}

// The references of every case, spread over the threads.
void compute_references(std::vector<FamilyCases>& all, const std::set<std::pair<Format, Format>>& needed,
                        const AttentionGateOptions& options, AttentionGateResult& result) {
  struct Task {
    FamilyCases* fc;
    Format lse;
    std::size_t index;
  };
  std::vector<Task> tasks;
  for (FamilyCases& fc : all)
    for (const auto& [storage, lse] : needed) {
      if (storage != fc.format) continue;
      fc.references[lse].resize(fc.cases.size());
      for (std::size_t i = 0; i < fc.cases.size(); ++i) tasks.push_back({&fc, lse, i});
    }
  reference::ReferenceOptions reference_options;
  reference_options.fast_path = options.fast_path;
  parallel_for(tasks.size(), options.threads, [&](std::size_t t) {
    const Task& task = tasks[t];
    try {
      task.fc->references[task.lse][task.index] =
          reference::attention_reference(task.fc->cases[task.index], task.lse, reference_options);
    } catch (const std::exception& e) {
      throw std::runtime_error("attention reference of family " + task.fc->family->name + " (" +
                               std::string(name(task.fc->format)) + ") case " +
                               std::to_string(task.index) + ": " + e.what());
    }
  });
  for (const Task& task : tasks) {
    const AttentionReference& ref = task.fc->references[task.lse][task.index];
    result.reference_rows += ref.fast_rows + ref.mpfr_rows;
    result.mpfr_rows += ref.mpfr_rows;
  }
  result.cases += tasks.size();
}

}  // namespace

bool AttentionKernelResult::passed() const { return violations() == 0; }

std::size_t AttentionKernelResult::violations() const {
  std::size_t total = 0;
  for (const auto& [check, stats] : checks) total += stats.violations;
  return total;
}

bool AttentionGateResult::ok() const {
  for (const AttentionKernelResult& k : kernels)
    if (!k.passed()) return false;
  return true;
}

AttentionGateResult run_attention_gate(const std::vector<const AttentionKernel*>& kernels,
                                       const AttentionGateOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  AttentionGateResult result;
  result.seed = options.seed;
  result.suite = options.suite;
  std::set<std::pair<Format, Format>> needed;  // (storage, LSE format)
  for (const AttentionKernel* k : kernels) needed.insert({k->formats.storage, lse_format(*k)});
  std::set<Format> storages;
  for (const auto& [storage, lse] : needed) storages.insert(storage);

  std::vector<FamilyCases> all;
  for (const AttentionFamily* family : attention_families_in(options.suite)) {
    if (!glob_match(options.family_glob, family->name)) continue;
    const std::uint64_t seed = family_seed(options.seed, family->name);
    for (Format f : storages) all.push_back({family, f, seed, family->generate(f, options.suite, seed), {}});
  }
  if (options.progress) {
    std::size_t cases = 0;
    for (const FamilyCases& fc : all) cases += fc.cases.size();
    options.progress("attention: references for " + std::to_string(cases) + " cases in " +
                     std::to_string(storages.size()) + " format(s)");
  }
  compute_references(all, needed, options, result);

  for (const AttentionKernel* kernel : kernels) {
    if (options.progress) options.progress("attention: " + kernel->name());
    AttentionKernelResult kr;
    kr.kernel = kernel;
    for (const FamilyCases& fc : all) {
      if (fc.format != kernel->formats.storage) continue;
      for (std::size_t i = 0; i < fc.cases.size(); ++i) {
        if (options.include_case && !options.include_case(*kernel, fc.family->name, i)) continue;
        if (kernel->declared.refuses) {
          const std::string reason = kernel->declared.refuses(fc.cases[i]);
          if (!reason.empty()) {
            ++kr.refused[reason];
            continue;
          }
        }
        ++kr.cases;
        check_case(kr, *kernel, fc, i, options);
      }
    }
    result.kernels.push_back(std::move(kr));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::string replay_command(const AttentionViolation& v, Suite suite, std::uint64_t seed) {
  return "softcheck gate --kernel '" + v.kernel + "' --suite " + std::string(name(suite)) +
         " --seed " + std::to_string(seed) + " --family " + v.family;
}

}  // namespace softcheck
