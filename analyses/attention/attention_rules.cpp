// Which rule catches the planted attention bugs: softcheck's attention gate against the
// acceptance rules two attention libraries test their own kernels with. Every planted replica
// of a published bug (tests/fixtures/planted_attention.hpp) and, as controls, every built-in
// f32 attention kernel runs on every case of every attention family of the default suite (f32,
// family_seed(seed, family)); per (kernel, family) each rule's flagged cases are counted:
//   softcheck - run_attention_gate on that one case (family_glob = the family, include_case =
//               the case): flagged when the gate reports any violation (output, LSE, fully
//               masked row, crash);
//   FlashAttention's rule and cuDNN frontend's rule - on the case's O (one head) against a
//               reference one precision above the kernels' (the f64 naive kernel,
//               builtin/attention/f64/naive, on the same case in f64: every f32 value is exactly
//               representable), FlashAttention's with the f32 naive kernel
//               (builtin/attention/f32/naive, with P rounded as the kernel under test rounds it)
//               as its same-dtype baseline; see the rules below.
// Usage: attention_rules [--seed N] [--markdown PATH] [--threads N]
// (--threads: the gate's reference threads, default the hardware's). Output: a Markdown report
// on stdout, or in PATH instead with --markdown: a summary table (one row per kernel), then the
// (kernel, family) pairs where the three rules disagree on some case with each kernel's summary
// over all families. Exit status: 0, 1 when a naive kernel is missing, 2 on a usage error.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "provenance.hpp"
#include "checks/attention_gate.hpp"
#include "core/attention_families.hpp"
#include "kernels/attention_kernel.hpp"
#include "kernels/attention_math.hpp"
#include "planted_attention.hpp"

using namespace softcheck;

namespace {

using attention_analyses::built_from;
using attention_analyses::shell_quote;

// ---- The two libraries' rules, on one head's O (values held as doubles). -----------------
// The kernels under test are f32; both libraries test fp16/bf16 kernels against a reference
// computed in a higher precision (fp32). The translation one precision up: ref = the naive
// kernel in f64 on the same inputs, and every difference, maximum and tolerance computed in
// f64 (PyTorch promotes an fp16 - fp32 difference to fp32, and assert_close compares in the
// promoted dtype).
// NaN: a position where the kernel and the reference are both NaN counts as equal (neither
// library's code does this: torch's max propagates NaN and assert_close's equal_nan defaults to
// False, so both would flag every case with a fully masked row whose reference is NaN); NaN on
// one side only flags.

// FlashAttention (Dao-AILab/flash-attention, hopper/test_flash_attn.py and
// tests/test_flash_attn.py, test_flash_attn_output):
//   out_ref = attention_ref(q, k, v, ...)                               inputs upcast to fp32
//   out_pt  = attention_ref(q, k, v, ..., upcast=False, reorder_ops=True)   the kernel's dtype
//   fwd_atol = 2 * (out_ref + 0.3 - 0.3 - out_ref).abs().max()
//   rtol = 2 if softcap == 0.0 else 3
//   assert (out - out_ref).abs().max() <= rtol * (out_pt - out_ref).abs().max() + fwd_atol
// Here out_ref = ref (f64 naive), out_pt = pt (the f32 naive kernel with P rounded as the
// kernel under test rounds it: FlashAttention's baseline holds P in its intermediate dtype), and the
// 0.3 round trip is in f64 (ref's dtype); fwd_atol's maximum is over the positions whose ref is
// not NaN. The NaN rule above holds for out against ref and for pt against ref alike (a
// one-sided NaN in pt makes the allowance NaN, as torch's max would, and the case is flagged).
struct FlashRuleTerms {
  double out_error = 0;        // max |out - ref|
  double baseline_error = 0;   // max |pt - ref|
  double fwd_atol = 0;         // 2 max |(ref + 0.3) - 0.3 - ref|
  double rtol = 2;
  bool nan_flag = false;       // one-sided NaN in out, or in pt
  bool flags() const { return nan_flag || !(out_error <= rtol * baseline_error + fwd_atol); }
};

// max |a - b| over positions not NaN on both sides; false when some difference is NaN (a NaN on
// one side, or inf - inf).
bool max_abs_difference(const std::vector<double>& a, const std::vector<double>& b, double& max) {
  max = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(b[i])) continue;
    const double e = std::fabs(a[i] - b[i]);
    if (std::isnan(e)) return false;
    max = std::max(max, e);
  }
  return true;
}

FlashRuleTerms flash_attention_rule(const std::vector<double>& out, const std::vector<double>& ref,
                                    const std::vector<double>& pt, double softcap) {
  FlashRuleTerms t;
  t.rtol = softcap == 0.0 ? 2.0 : 3.0;
  double round_trip = 0;
  for (const double r : ref)
    if (!std::isnan(r)) round_trip = std::max(round_trip, std::fabs((r + 0.3) - 0.3 - r));
  t.fwd_atol = 2.0 * round_trip;
  const bool out_ok = max_abs_difference(out, ref, t.out_error);
  const bool pt_ok = max_abs_difference(pt, ref, t.baseline_error);
  t.nan_flag = !out_ok || !pt_ok;
  return t;
}

bool flash_attention_rule_flags(const std::vector<double>& out, const std::vector<double>& ref,
                                const std::vector<double>& pt, double softcap) {
  return flash_attention_rule(out, ref, pt, softcap).flags();
}

// cuDNN frontend (NVIDIA/cudnn-frontend, test/python/test_mhas.py):
//   torch.testing.assert_close(o_ref, o_gpu, check_dtype=False, atol=2e-2, rtol=2e-2)
// with o_ref a torch reference in fp32 while the kernel is fp16/bf16; here o_ref = the f64 naive
// ref. assert_close(actual, expected) holds elementwise |actual - expected| <= atol + rtol
// |expected| (torch.isclose, in the promoted dtype: f64 here; equal infinities are close). The
// test passes the kernel's output as `expected`, so the relative term scales with |o_gpu|:
// call it as cudnn_rule_flags(ref, out).
bool cudnn_rule_flags(const std::vector<double>& actual, const std::vector<double>& expected) {
  constexpr double kAtol = 2e-2, kRtol = 2e-2;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double a = actual[i], e = expected[i];
    if (std::isnan(a) && std::isnan(e)) continue;
    if (std::isnan(a) || std::isnan(e)) return true;
    if (a == e) continue;  // equal infinities too
    if (!(std::fabs(a - e) <= kAtol + kRtol * std::fabs(e))) return true;
  }
  return false;
}

// ---- The study. ---------------------------------------------------------------------------

// Positions whose reference is NaN (the fully masked rows of the naive kernel: 0/0) left out.
struct Tensors {
  std::vector<double> out, ref, pt;
};
Tensors without_masked_rows(const std::vector<double>& out, const std::vector<double>& ref,
                            const std::vector<double>& pt) {
  Tensors t;
  for (std::size_t i = 0; i < ref.size(); ++i)
    if (!std::isnan(ref[i])) {
      t.out.push_back(out[i]);
      t.ref.push_back(ref[i]);
      t.pt.push_back(pt[i]);
    }
  return t;
}

// One rule's count over a family's cases, and how many of its flags come from the fully masked
// rows alone (the case is not flagged once the positions whose reference is NaN are left out).
struct RuleCount {
  std::size_t flagged = 0;
  std::size_t masked_rows_only = 0;
  void add(bool flags, bool flags_without_masked_rows) {
    flagged += flags;
    masked_rows_only += flags && !flags_without_masked_rows;
  }
  RuleCount& operator+=(const RuleCount& other) {
    flagged += other.flagged;
    masked_rows_only += other.masked_rows_only;
    return *this;
  }
};

struct PairResult {  // one kernel on one family
  std::size_t cases = 0;
  std::size_t refused = 0;
  std::size_t softcheck = 0;
  std::set<std::string> softcheck_checks;  // the gate's checks with violations
  RuleCount flash, cudnn;
  std::size_t disagreements = 0;  // cases the three rules do not all flag or all pass
};

std::vector<double> run_kernel(const AttentionKernel& kernel, const AttentionCase& c) {
  AttentionBuffers buffers(c, kernel.provides_lse);
  buffers.clear_outputs(std::nan(""));
  try {
    kernel.run(buffers.call());
  } catch (const std::exception&) {
    return std::vector<double>(c.shape.lq * c.shape.d, std::nan(""));  // as a crash: all NaN
  }
  return buffers.out();
}


std::string cell(std::size_t n, std::size_t of) { return std::to_string(n) + "/" + std::to_string(of); }

std::string rule_cell(const RuleCount& r, std::size_t cases) {
  std::string text = cell(r.flagged, cases);
  if (r.masked_rows_only > 0)
    text += " (" + std::to_string(r.masked_rows_only) + " at fully masked rows only)";
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seed = 1;
  std::string markdown_path;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    try {
      if (arg == "--seed" && has_value) {
        seed = std::stoull(argv[++i]);
      } else if (arg == "--markdown" && has_value) {
        markdown_path = argv[++i];
      } else if (arg == "--threads" && has_value) {
        threads = static_cast<unsigned>(std::max(1ul, std::stoul(argv[++i])));
      } else {
        throw std::invalid_argument(arg);
      }
    } catch (const std::exception&) {
      std::cerr << "usage: attention_rules [--seed N] [--markdown PATH] [--threads N]\n";
      return 2;
    }
  }
  std::string command = shell_quote(argv[0]);
  for (int i = 1; i < argc; ++i) command.append(" ").append(shell_quote(argv[i]));
  const auto start = std::chrono::steady_clock::now();

  AttentionRegistry registry;
  register_builtin_attention_kernels(registry);
  const std::vector<const AttentionKernel*> naive64 = registry.match("builtin/attention/f64/naive");
  const std::vector<const AttentionKernel*> naive32 = registry.match("builtin/attention/f32/naive");
  if (naive64.size() != 1 || naive32.size() != 1) {
    std::cerr << "attention_rules: no builtin/attention/f64/naive or builtin/attention/f32/naive\n";
    return 1;
  }
  // The same-dtype baselines: the naive kernel in f32 with P rounded to each P format.
  std::map<PFormat, AttentionKernel> baselines;
  auto naive_baseline = [&](PFormat p) -> const AttentionKernel& {
    if (!baselines.contains(p)) {
      AttentionKernel k = *naive32.front();
      k.formats.p = p;
      k.run = kernels::make_attention_naive(k.formats);
      baselines.emplace(p, std::move(k));
    }
    return baselines.at(p);
  };
  const std::vector<AttentionKernel> planted = planted_attention::all();
  std::vector<const AttentionKernel*> kernels;
  for (const AttentionKernel& k : planted) kernels.push_back(&k);
  const std::size_t planted_count = kernels.size();
  for (const AttentionKernel* k : registry.match("builtin/attention/f32/*")) kernels.push_back(k);

  const Suite suite = Suite::standard;
  const std::vector<const AttentionFamily*> families = attention_families_in(suite);
  // results[kernel][family]
  std::vector<std::vector<PairResult>> results(kernels.size(), std::vector<PairResult>(families.size()));
  std::size_t total_cases = 0;
  std::vector<std::string> orientation_differs;  // cases where cuDNN's rule with |ref| differs
  std::vector<std::string> baseline_nan;  // cases where the f32 baseline is NaN on one side
  for (std::size_t f = 0; f < families.size(); ++f) {
    const AttentionFamily& family = *families[f];
    const std::vector<AttentionCase> cases =
        family.generate(Format::f32, suite, family_seed(seed, family.name));
    total_cases += cases.size();
    std::cerr << "attention_rules: " << family.name << " (" << cases.size() << " cases)\n";
    for (std::size_t index = 0; index < cases.size(); ++index) {
      const AttentionCase& c = cases[index];
      // softcheck: the gate on this one case, every kernel at once.
      AttentionGateOptions options;
      options.suite = suite;
      options.seed = seed;
      options.threads = threads;
      options.reproducers_per_check = 1;
      options.family_glob = family.name;
      options.include_case = [index](const AttentionKernel&, const std::string&, std::size_t i) {
        return i == index;
      };
      const AttentionGateResult gate = run_attention_gate(kernels, options);
      // The libraries' rules: ref = the f64 naive kernel on the case in f64 (the same values,
      // exactly); pt below, per P format (FlashAttention's same-dtype baseline).
      AttentionCase c64 = c;
      c64.format = Format::f64;
      const std::vector<double> ref = run_kernel(*naive64.front(), c64);
      // FlashAttention's baseline holds P as its kernel does (intermediate_dtype): one naive
      // f32 baseline per P format.
      std::map<PFormat, std::vector<double>> pt_by_p;
      for (const AttentionKernel* k : kernels)
        if (!pt_by_p.contains(k->formats.p)) {
          pt_by_p[k->formats.p] = run_kernel(naive_baseline(k->formats.p), c);
          double ignored = 0;
          if (!max_abs_difference(pt_by_p[k->formats.p], ref, ignored))
            baseline_nan.push_back(family.name + " case " + std::to_string(index) + " (P " +
                                   std::string(name(k->formats.p)) + ")");
        }
      const double softcap = c.parameters.softcap;
      for (std::size_t k = 0; k < kernels.size(); ++k) {
        PairResult& r = results[k][f];
        const AttentionKernelResult& kr = gate.kernels[k];
        if (kr.cases == 0) {  // declared it does not take the case
          ++r.refused;
          continue;
        }
        ++r.cases;
        const bool soft = !kr.passed();
        if (soft) {
          ++r.softcheck;
          for (const auto& [check, stats] : kr.checks)
            if (stats.violations > 0) r.softcheck_checks.insert(check);
        }
        const std::vector<double> out = run_kernel(*kernels[k], c);
        const std::vector<double>& pt = pt_by_p.at(kernels[k]->formats.p);
        const Tensors unmasked = without_masked_rows(out, ref, pt);
        const bool flash = flash_attention_rule_flags(out, ref, pt, softcap);
        const bool cudnn = cudnn_rule_flags(ref, out);
        r.flash.add(flash, flash_attention_rule_flags(unmasked.out, unmasked.ref, unmasked.pt, softcap));
        r.cudnn.add(cudnn, cudnn_rule_flags(unmasked.ref, unmasked.out));
        r.disagreements += !(soft == flash && flash == cudnn);
        if (cudnn != cudnn_rule_flags(out, ref))
          orientation_differs.push_back(kernels[k]->name() + " on " + family.name + " case " +
                                        std::to_string(index));
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Per kernel over all families.
  struct KernelSummary {
    std::size_t cases = 0, refused = 0, families_run = 0;
    std::size_t soft_families = 0, flash_families = 0, cudnn_families = 0;
    std::size_t flash_numeric = 0, cudnn_numeric = 0;  // families flagged beyond masked rows
    std::size_t soft_cases = 0;
    RuleCount flash, cudnn;
  };
  std::vector<KernelSummary> summaries(kernels.size());
  for (std::size_t k = 0; k < kernels.size(); ++k) {
    KernelSummary& s = summaries[k];
    for (std::size_t f = 0; f < families.size(); ++f) {
      const PairResult& r = results[k][f];
      s.cases += r.cases;
      s.refused += r.refused;
      s.families_run += r.cases > 0;
      s.soft_families += r.softcheck > 0;
      s.flash_families += r.flash.flagged > 0;
      s.cudnn_families += r.cudnn.flagged > 0;
      s.flash_numeric += r.flash.flagged > r.flash.masked_rows_only;
      s.cudnn_numeric += r.cudnn.flagged > r.cudnn.masked_rows_only;
      s.soft_cases += r.softcheck;
      s.flash += r.flash;
      s.cudnn += r.cudnn;
    }
  }
  auto kernel_name = [&](std::size_t k) {
    return kernels[k]->name() + (k < planted_count ? "" : " (control)");
  };
  auto families_cell = [&](std::size_t all, std::size_t numeric, std::size_t of) {
    std::string text = cell(all, of);
    if (numeric != all) text += " (" + std::to_string(numeric) + " beyond fully masked rows)";
    return text;
  };

  std::ostringstream md;
  md << "# Attention: which rule catches the planted bugs\n\n"
     << "Produced by `" << command << "` (softcheck " << SOFTCHECK_VERSION_NUMBER
     << ", built from commit " << built_from() << ") in " << static_cast<long>(seconds + 0.5)
     << " s: the default suite's " << families.size() << " attention families (" << total_cases
     << " f32 cases, seed " << seed << ") through " << planted_count
     << " planted replicas of published bugs (tests/fixtures/planted_attention.hpp) and, as "
        "controls, the " << kernels.size() - planted_count
     << " built-in f32 attention kernels.\n\n"
     << "Per kernel and family, the cases each rule flags:\n\n"
     << "- **softcheck**: the attention gate on the case (output elements and LSE against the "
        "correctly rounded reference under the conditioning-derived contract, fully masked rows "
        "against what the kernel declares); the checks that fired are listed.\n"
     << "- **FlashAttention** (Dao-AILab/flash-attention, hopper/test_flash_attn.py and "
        "tests/test_flash_attn.py): max|out - ref| <= rtol * max|pt - ref| + fwd_atol, "
        "fwd_atol = 2 * max|(ref + 0.3) - 0.3 - ref| (rtol 2, 3 with softcap). The library tests "
        "fp16/bf16 kernels with out_ref = attention on the inputs upcast to fp32 and out_pt = "
        "attention in the kernel's own dtype. Translated one precision up for these f32 "
        "kernels: ref = the naive attention in f64 on the same inputs "
        "(builtin/attention/f64/naive on the case converted to f64: every value is exactly "
        "representable), pt = the f32 naive kernel with P rounded to the format the kernel "
        "under test rounds P to (none, bf16, e4m3 or e5m2), as the library's baseline holds P "
        "as its kernel does (fp16/bf16 tests: the kernel's dtype; fp8 tests: intermediate_dtype "
        "= e4m3), and fwd_atol's 0.3 round trip, the differences and the maxima computed in f64 "
        "(ref's dtype).\n"
     << "- **cuDNN** (NVIDIA/cudnn-frontend, test/python/test_mhas.py): "
        "torch.testing.assert_close(o_ref, o_gpu, atol=2e-2, rtol=2e-2), with o_ref a torch "
        "reference in fp32 for fp16/bf16 kernels; translated: against the same f64 naive ref, "
        "elementwise |out - ref| <= 2e-2 + 2e-2 * |out| in f64 (assert_close scales rtol by its "
        "second argument, here the kernel's output, as in the source).\n\n"
     << "Both libraries' rules see O only. NaN: a position where out and ref are both NaN counts "
        "as equal, NaN on one side only flags (for FlashAttention's rule, in out - ref and in "
        "pt - ref alike); neither library's code does the first (torch's max propagates NaN, "
        "assert_close's equal_nan defaults to False), which would flag every case with a fully "
        "masked row. The naive reference writes NaN in fully masked rows (0/0); "
        "FlashAttention-style kernels write 0 there by declaration, so a flag that comes from "
        "those rows alone is marked \"at fully masked rows only\" (and a family flagged only "
        "that way is not counted \"beyond fully masked rows\"): there the rules cannot tell the "
        "masked-uniform bug (uniform averages where the kernel declares NaN) from the flash "
        "kernels' declared 0.\n\n";
  if (!baseline_nan.empty()) {
    md << "The f32 baseline pt is NaN where the f64 ref is not (or the reverse) in these cases, "
          "so FlashAttention's rule flags them for every kernel:\n\n";
    for (const std::string& text : baseline_nan) md << "- " << text << "\n";
    md << "\n";
  }
  md << "## Summary\n\nFamilies flagged (of the " << families.size()
     << " the kernel runs) and cases flagged (of the " << total_cases << "), per rule:\n\n"
     << "| kernel | softcheck families | FlashAttention families | cuDNN families | softcheck "
        "cases | FlashAttention cases | cuDNN cases |\n|---|---|---|---|---|---|---|\n";
  for (std::size_t k = 0; k < kernels.size(); ++k) {
    const KernelSummary& s = summaries[k];
    md << "| " << kernel_name(k) << " | " << cell(s.soft_families, s.families_run) << " | "
       << families_cell(s.flash_families, s.flash_numeric, s.families_run) << " | "
       << families_cell(s.cudnn_families, s.cudnn_numeric, s.families_run) << " | "
       << cell(s.soft_cases, s.cases) << " | " << rule_cell(s.flash, s.cases) << " | "
       << rule_cell(s.cudnn, s.cases) << " |\n";
  }
  md << "\n## Where the rules disagree\n\n"
     << "Rows: every (kernel, family) pair with a case that the three rules do not all flag or "
        "all pass, then the kernel's summary over all families.\n\n"
     << "| kernel | family | cases | softcheck | softcheck checks | FlashAttention rule | "
        "cuDNN rule |\n|---|---|---|---|---|---|---|\n";
  for (std::size_t k = 0; k < kernels.size(); ++k) {
    const std::string name = kernel_name(k);
    for (std::size_t f = 0; f < families.size(); ++f) {
      const PairResult& r = results[k][f];
      if (r.disagreements == 0) continue;
      std::string checks;
      for (const std::string& check : r.softcheck_checks) checks += (checks.empty() ? "" : ", ") + check;
      md << "| " << name << " | " << families[f]->name << " | " << r.cases << " | "
         << cell(r.softcheck, r.cases) << " | " << (checks.empty() ? "-" : checks) << " | "
         << rule_cell(r.flash, r.cases) << " | " << rule_cell(r.cudnn, r.cases) << " |\n";
    }
    const KernelSummary& s = summaries[k];
    auto bold = [&](std::size_t all, std::size_t numeric) {
      std::string text = "**" + cell(all, s.families_run) + " families**";
      if (numeric != all) text += " (" + std::to_string(numeric) + " beyond fully masked rows)";
      return text;
    };
    md << "| " << name << " | **any family** | " << s.cases << " | "
       << bold(s.soft_families, s.soft_families) << " | | " << bold(s.flash_families, s.flash_numeric)
       << " | " << bold(s.cudnn_families, s.cudnn_numeric) << " |\n";
  }
  md << "\ncuDNN's rule with rtol scaled by |ref| in place of |out| flags ";
  if (orientation_differs.empty()) md << "exactly the same cases.\n";
  else md << "these cases differently (case = index in the family's generated list):\n\n";
  for (const std::string& text : orientation_differs) md << "- " << text << "\n";

  if (markdown_path.empty()) {
    std::cout << md.str();
  } else {
    std::ofstream file(markdown_path);
    file << md.str();
    if (!file) {
      std::cerr << "attention_rules: cannot write " << markdown_path << "\n";
      return 2;
    }
  }
  return 0;
}
