// Which rule catches the planted attention bugs: softcheck's attention gate against the
// acceptance rules two attention libraries test their own kernels with. Every planted replica
// of a published bug (tests/fixtures/planted_attention.hpp) and, as controls, every built-in
// f32 attention kernel runs on every case of every attention family of the default suite (f32,
// family_seed(seed, family)); per (kernel, family) each rule's flagged cases are counted:
//   softcheck - run_attention_gate on that one case (family_glob = the family, include_case =
//               the case): flagged when the gate reports any violation (output, LSE, fully
//               masked row, crash);
//   FlashAttention's rule and cuDNN frontend's rule - on the case's O (one head) against the
//               f32 naive kernel's O (builtin/attention/f32/naive), see the rules below.
// Usage: attention_rules [--seed N] [--markdown PATH] [--threads N]
// (--threads: the gate's reference threads, default the hardware's). Output: a Markdown table
// on stdout, or in PATH instead with --markdown. Exit status: 0, 2 on a usage error.
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

#include "checks/attention_gate.hpp"
#include "core/attention_families.hpp"
#include "kernels/attention_kernel.hpp"
#include "planted_attention.hpp"

using namespace softcheck;

namespace {

// ---- The two libraries' rules, on one head's O (f32 values held as doubles). ----------------
// NaN: a position where the kernel and the reference are both NaN counts as equal (neither
// library's code does this: torch's max propagates NaN and assert_close's equal_nan defaults to
// False, so both would flag every case with a fully masked row whose reference is NaN); NaN on
// one side only flags.

// FlashAttention (Dao-AILab/flash-attention, hopper/test_flash_attn.py, test_flash_attn_output):
//   fwd_atol = 2 * (out_ref + 0.3 - 0.3 - out_ref).abs().max()
//   rtol = 2 if softcap == 0.0 else 3
//   assert (out - out_ref).abs().max() <= rtol * (out_pt - out_ref).abs().max() + fwd_atol
// out_ref: PyTorch attention on the inputs upcast to f32; out_pt: PyTorch attention in the
// kernel's own dtype. Here both are the f32 naive kernel (the kernels under test are all f32),
// so (out_pt - out_ref) = 0 and the rule is max|out - ref| <= fwd_atol. Every difference and the
// 0.3 round trip are computed in float, as PyTorch does on f32 tensors; fwd_atol's maximum is
// over the positions whose reference is not NaN.
bool flash_attention_rule_flags(const std::vector<double>& out, const std::vector<double>& ref,
                                const std::vector<double>& pt, double softcap) {
  const float rtol = softcap == 0.0 ? 2.0f : 3.0f;
  float out_error = 0, reference_error = 0, round_trip = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const float o = static_cast<float>(out[i]), r = static_cast<float>(ref[i]),
                p = static_cast<float>(pt[i]);
    if (!std::isnan(r)) round_trip = std::max(round_trip, std::fabs((r + 0.3f) - 0.3f - r));
    if (std::isnan(o) && std::isnan(r)) continue;
    const float e = std::fabs(o - r);
    if (std::isnan(e)) return true;  // NaN on one side (or inf - inf)
    out_error = std::max(out_error, e);
    if (!(std::isnan(p) && std::isnan(r))) reference_error = std::max(reference_error, std::fabs(p - r));
  }
  const double fwd_atol = 2.0 * static_cast<double>(round_trip);
  return !(static_cast<double>(out_error) <=
           static_cast<double>(rtol) * static_cast<double>(reference_error) + fwd_atol);
}

// cuDNN frontend (NVIDIA/cudnn-frontend, test/python/test_mhas.py):
//   torch.testing.assert_close(o_ref, o_gpu, check_dtype=False, atol=2e-2, rtol=2e-2)
// assert_close(actual, expected) holds elementwise |actual - expected| <= atol + rtol |expected|
// (torch.isclose, in float for f32 tensors; equal infinities are close). The test passes the
// kernel's output as `expected`, so the relative term scales with |o_gpu|: call it as
// cudnn_rule_flags(ref, out).
bool cudnn_rule_flags(const std::vector<double>& actual, const std::vector<double>& expected) {
  constexpr float kAtol = 2e-2f, kRtol = 2e-2f;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const float a = static_cast<float>(actual[i]), e = static_cast<float>(expected[i]);
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
  std::vector<double> out, ref;
};
Tensors without_masked_rows(const std::vector<double>& out, const std::vector<double>& ref) {
  Tensors t;
  for (std::size_t i = 0; i < ref.size(); ++i)
    if (!std::isnan(ref[i])) {
      t.out.push_back(out[i]);
      t.ref.push_back(ref[i]);
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
};

struct PairResult {  // one kernel on one family
  std::size_t cases = 0;
  std::size_t refused = 0;
  std::size_t softcheck = 0;
  std::set<std::string> softcheck_checks;  // the gate's checks with violations
  RuleCount flash, cudnn;
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

std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_./=:,+@%") == std::string::npos)
    return arg;
  std::string quoted = "'";
  for (char ch : arg) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return quoted + "'";
}

// The commit the binary was built from (git describe --dirty at configure time).
std::string built_from() {
  std::string commit = SOFTCHECK_COMMIT;
  const std::string dirty = "-dirty";
  if (commit.size() > dirty.size() && commit.ends_with(dirty))
    return commit.substr(0, commit.size() - dirty.size()) + " (dirty)";
  return commit;
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
  const std::vector<const AttentionKernel*> naive = registry.match("builtin/attention/f32/naive");
  if (naive.size() != 1) {
    std::cerr << "attention_rules: no builtin/attention/f32/naive\n";
    return 1;
  }
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
      // The libraries' rules against the f32 naive kernel (pt = ref: see the rule).
      const std::vector<double> ref = run_kernel(*naive.front(), c);
      const double softcap = c.parameters.softcap;
      for (std::size_t k = 0; k < kernels.size(); ++k) {
        PairResult& r = results[k][f];
        const AttentionKernelResult& kr = gate.kernels[k];
        if (kr.cases == 0) {  // declared it does not take the case
          ++r.refused;
          continue;
        }
        ++r.cases;
        if (!kr.passed()) {
          ++r.softcheck;
          for (const auto& [check, stats] : kr.checks)
            if (stats.violations > 0) r.softcheck_checks.insert(check);
        }
        const std::vector<double> out = run_kernel(*kernels[k], c);
        const Tensors unmasked = without_masked_rows(out, ref);
        r.flash.add(flash_attention_rule_flags(out, ref, ref, softcap),
                    flash_attention_rule_flags(unmasked.out, unmasked.ref, unmasked.ref, softcap));
        r.cudnn.add(cudnn_rule_flags(ref, out), cudnn_rule_flags(unmasked.ref, unmasked.out));
        if (cudnn_rule_flags(ref, out) != cudnn_rule_flags(out, ref))
          orientation_differs.push_back(kernels[k]->name() + " on " + family.name + " case " +
                                        std::to_string(index));
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

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
     << "- **FlashAttention** (Dao-AILab/flash-attention, hopper/test_flash_attn.py): "
        "max|out - ref| <= rtol * max|pt - ref| + 2 * max|(ref + 0.3) - 0.3 - ref| (rtol 2, 3 "
        "with softcap), in f32. ref is the f32 naive kernel (builtin/attention/f32/naive); every "
        "kernel here is f32, so pt (PyTorch in the kernel's dtype) = ref and the rule is "
        "max|out - ref| <= 2 * max|(ref + 0.3) - 0.3 - ref|.\n"
     << "- **cuDNN** (NVIDIA/cudnn-frontend, test/python/test_mhas.py): "
        "torch.testing.assert_close(o_ref, o_gpu, atol=2e-2, rtol=2e-2), i.e. elementwise "
        "|ref - out| <= 2e-2 + 2e-2 * |out| (assert_close scales rtol by its second argument, "
        "the kernel's output), against the same f32 naive ref.\n\n"
     << "Both libraries' rules see O only, and count a position where out and ref are both NaN "
        "as equal (one-sided NaN flags). The naive reference writes NaN in fully masked rows "
        "(0/0); FlashAttention-style kernels write 0 there by declaration, so a flag that comes "
        "from those rows alone is marked \"at fully masked rows only\": there the rules cannot "
        "tell the masked-uniform bug (uniform averages where the kernel declares NaN) from the "
        "flash kernels' declared 0. With pt = ref the FlashAttention allowance is twice the "
        "rounding error of an f32 0.3 round trip (a few 1e-7 for |O| near 1), so any kernel "
        "whose summation order differs from the naive kernel's is flagged, the controls "
        "included. Rows: every (kernel, family) pair that some rule "
        "flags, then the kernel's summary over all families.\n\n"
     << "| kernel | family | cases | softcheck | softcheck checks | FlashAttention rule | "
        "cuDNN rule |\n|---|---|---|---|---|---|---|\n";
  for (std::size_t k = 0; k < kernels.size(); ++k) {
    const std::string name = kernels[k]->name() + (k < planted_count ? "" : " (control)");
    std::size_t soft_families = 0, flash_families = 0, cudnn_families = 0;
    std::size_t flash_numeric = 0, cudnn_numeric = 0, refused = 0;
    for (std::size_t f = 0; f < families.size(); ++f) {
      const PairResult& r = results[k][f];
      refused += r.refused;
      soft_families += r.softcheck > 0;
      flash_families += r.flash.flagged > 0;
      cudnn_families += r.cudnn.flagged > 0;
      flash_numeric += r.flash.flagged > r.flash.masked_rows_only;
      cudnn_numeric += r.cudnn.flagged > r.cudnn.masked_rows_only;
      if (r.softcheck == 0 && r.flash.flagged == 0 && r.cudnn.flagged == 0) continue;
      std::string checks;
      for (const std::string& check : r.softcheck_checks) checks += (checks.empty() ? "" : ", ") + check;
      md << "| " << name << " | " << families[f]->name << " | " << r.cases << " | "
         << cell(r.softcheck, r.cases) << " | " << (checks.empty() ? "-" : checks) << " | "
         << rule_cell(r.flash, r.cases) << " | " << rule_cell(r.cudnn, r.cases) << " |\n";
    }
    auto summary = [&](std::size_t all, std::size_t numeric) {
      std::string text = "**" + cell(all, families.size()) + " families**";
      if (numeric != all) text += " (" + std::to_string(numeric) + " beyond fully masked rows)";
      return text;
    };
    md << "| " << name << " | **any family** | " << total_cases - refused << " | "
       << summary(soft_families, soft_families) << " | | " << summary(flash_families, flash_numeric)
       << " | " << summary(cudnn_families, cudnn_numeric) << " |\n";
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
