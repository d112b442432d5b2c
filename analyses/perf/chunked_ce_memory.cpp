// Peak memory and loss accuracy of chunked cross-entropy from hidden states
// (src/kernels/chunked_ce_hidden.hpp) against materialising the logits, one variant per
// process so that each peak (getrusage ru_maxrss) is its own:
//   chunked_ce_memory --variant chunked|materialised [--tokens N] [--vocab V] [--dim D]
//                     [--seed S] [--check-rows K]
// Prints the peak resident set, the peak minus the inputs' and outputs' bytes, the kernel's
// own count of its scratch, and, for K sampled tokens, the loss against the correctly
// rounded reference of the same f32 logits under the chunked kernel's contract
// (contracts/builtin.json, builtin/cross_entropy/f32/chunked-b256-filter).
// Exit status: 0, 1 if a checked loss violates the contract, 2 usage error.
#include <sys/resource.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "checks/contract.hpp"
#include "checks/element_check.hpp"
#include "core/rng.hpp"
#include "kernels/chunked_ce_hidden.hpp"
#include "reference/reference.hpp"

using namespace softcheck;

namespace {

double peak_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // ru_maxrss is in KiB on Linux
}

// The logits of one token as the kernel forms them: double accumulation, rounded to f32.
std::vector<double> logits_of(const kernels::HiddenCeProblem& p, std::size_t t) {
  std::vector<double> z(p.vocab);
  for (std::size_t v = 0; v < p.vocab; ++v) {
    double acc = 0;
    for (std::size_t k = 0; k < p.dim; ++k)
      acc += double(p.hidden[t * p.dim + k]) * double(p.classifier[v * p.dim + k]);
    z[v] = static_cast<float>(acc);
  }
  return z;
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view variant;
  std::size_t tokens = 1024, vocab = 262144, dim = 32, check_rows = 8;
  std::uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--variant") variant = argv[i + 1];
    else if (key == "--tokens") tokens = std::stoul(value);
    else if (key == "--vocab") vocab = std::stoul(value);
    else if (key == "--dim") dim = std::stoul(value);
    else if (key == "--seed") seed = std::stoull(value);
    else if (key == "--check-rows") check_rows = std::stoul(value);
    else variant = "?";
  }
  if ((variant != "chunked" && variant != "materialised") || argc % 2 == 0) {
    std::cerr << "usage: chunked_ce_memory --variant chunked|materialised [--tokens N] "
                 "[--vocab V] [--dim D] [--seed S] [--check-rows K]\n";
    return 2;
  }
  Rng rng(seed);
  std::vector<float> hidden(tokens * dim), classifier(vocab * dim);
  for (float& h : hidden) h = static_cast<float>(rng.normal());
  for (float& w : classifier) w = static_cast<float>(0.5 * rng.normal());
  std::vector<std::int64_t> targets(tokens);
  for (auto& y : targets) y = static_cast<std::int64_t>(rng.below(vocab));
  const kernels::HiddenCeProblem problem{hidden.data(), classifier.data(), targets.data(),
                                         tokens, dim, vocab};
  const double inputs_mib = (hidden.size() + classifier.size()) * 4.0 / (1 << 20);
  const double before = peak_mib();
  const kernels::HiddenCeResult result =
      variant == "chunked" ? kernels::hidden_ce_chunked(problem, 256, 0x1p-28)
                           : kernels::hidden_ce_materialised(problem);
  const double peak = peak_mib();
  const double outputs_mib =
      (result.loss.size() + result.grad_hidden.size() + result.grad_classifier.size()) * 4.0 /
      (1 << 20);
  std::printf("variant %s tokens %zu vocab %zu dim %zu seed %llu\n", variant.data(), tokens,
              vocab, dim, static_cast<unsigned long long>(seed));
  std::printf("peak RSS %.1f MiB (before the call %.1f; inputs %.1f, outputs %.1f MiB); "
              "peak beyond inputs and outputs %.1f MiB; kernel scratch %zu bytes; blocks skipped %zu\n",
              peak, before, inputs_mib, outputs_mib, peak - before - outputs_mib,
              result.scratch_bytes, result.blocks_skipped);

  // The loss of sampled tokens against the correctly rounded reference of their logits.
  const Contract contract =
      ContractSet::builtin().resolve("builtin/cross_entropy/f32/chunked-b256-filter");
  std::size_t violations = 0;
  double worst = 0;
  for (std::size_t i = 0; i < check_rows && i < tokens; ++i) {
    const std::size_t t = i * (tokens / std::max<std::size_t>(1, check_rows));
    const std::vector<double> z = logits_of(problem, t);
    const auto y = static_cast<std::size_t>(targets[t]);
    const reference::Exact exact = reference::evaluate_row(z, Format::f32, y).ce_loss;
    const RowFacts facts = row_facts(z);
    const Measurement m = measure_element(result.loss[t], exact, Format::f32, contract,
                                          row_output_context(facts, z.size()));
    worst = std::max(worst, m.error);
    violations += !m.pass;
  }
  std::printf("loss of %zu sampled tokens: worst error %.3g ulps (allowed %.3g), %zu outside "
              "the contract\n",
              std::min(check_rows, tokens), worst,
              allowed_ulps(contract, row_output_context(RowFacts{0, std::log(double(vocab)), 0, false}, vocab)),
              violations);
  return violations == 0 ? 0 : 1;
}
