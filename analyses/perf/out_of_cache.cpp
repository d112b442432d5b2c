// Out-of-cache f32 softmax: each SIMD algorithm's kernel on one row far larger than the
// caches (default 1 GiB of f32, 256 Mi floats), beside the ceiling for its own access
// pattern: bandwidth_patterns.hpp's loops making the same passes over the same two rows
// with the same vector width, tiles, prefetch and kind of store, but no arithmetic (what
// `bandwidth_probe --patterns two-pass,three-pass-recompute,three-pass-reload` measures).
// For every --targets entry (Highway targets; default avx3,avx2, those this CPU runs) the
// kernels run with that target forced (simd_force_target, simd.hpp), looked up in the registry as
// builtin/softmax/f32/simd-<algorithm>-<target>-u4a4, and the ceilings use that target's
// vector width (avx3: AVX-512, avx2: AVX2).
//
// Method: x (N(0, 3^2) logits) and out are allocated 64-byte aligned and first-touched once;
// every kernel and every ceiling is one contender. Per target, after one warm-up call each
// (which also checks that the kernels stream where their pattern says they do), --rounds
// rounds in which every contender times one call, after an untimed call of its own (so that
// it meets the caches as it leaves them, not as its predecessor did: softmax_throughput's
// method), the order rotated by one each round. Printed: medians, best and worst rounds.
//
// Bytes counted: GB/s = 8 bytes per element (the row read once + the output written once)
// per call, for the kernel and its ceiling alike, so GB/s ratios are time ratios;
// fraction = ceiling's median time / kernel's median time. moved_bytes_per_element says
// what the passes actually read and write (the kernel and its pattern move the same).
//
// Output (TSV): '# command:' and '# commit:' lines (the commit this binary was configured
// at), the method, a header, then one line per (target, algorithm).
// Usage: out_of_cache [--bytes B] [--rounds R] [--targets T,T,...]
// analyses/perf/out_of_cache.sh builds it, runs it and writes reports/out_of_cache.{tsv,md}.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bandwidth_patterns.hpp"
#include "kernels/kernel.hpp"
#include "kernels/simd/simd.hpp"

#ifndef SOFTCHECK_COMMIT  // set by cmake/Analyses.cmake: git describe at configure time
#define SOFTCHECK_COMMIT "unknown"
#endif

namespace {

namespace bw = softcheck::bandwidth;
namespace kernels = softcheck::kernels;
using Clock = std::chrono::steady_clock;

// 1 GiB of f32: the smallest row of the study (rows of >= 1 GiB, far beyond any cache here).
constexpr std::size_t kDefaultBytes = std::size_t{1} << 30;
constexpr int kDefaultRounds = 5;
// The GB/s unit: the row read once and the output written once per call.
constexpr double kCountedBytesPerElement = 2 * sizeof(float);

// The read passes' sums (printed at the end, so that no pass can be dropped).
volatile float g_checksum = 0;

struct Options {
  std::size_t bytes = kDefaultBytes;
  int rounds = kDefaultRounds;
  std::vector<std::string> targets;  // --targets; default: kDefaultTargets this CPU runs
};

// The dispatch targets compared by default (the paper's AVX-512 and AVX2), where this CPU has
// them.
const std::vector<std::string> kDefaultTargets = {"avx3", "avx2"};

[[noreturn]] void fail(const std::string& problem) {
  std::fprintf(stderr, "out_of_cache: %s\n", problem.c_str());
  std::exit(2);
}

// A positive decimal integer, or fail naming the option.
std::size_t parse_count(const char* option, const char* text) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (*text < '0' || *text > '9' || *end != '\0' || value == 0)
    fail(std::string(option) + ": expected a positive integer, got '" + text + "'");
  return value;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

// Every target must be one that simd_force_target accepts on this CPU.
void check_targets(const std::vector<std::string>& targets) {
  for (const std::string& target : targets) {
    if (target.empty() || !kernels::simd_force_target(target))
      fail("--targets: '" + target + "' is not a Highway target compiled in and supported here");
  }
  kernels::simd_force_target("");
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if (a + 1 >= argc)
      fail("unknown or incomplete option " + arg +
           " (usage: out_of_cache "
           "[--bytes B] [--rounds R] [--targets T,T,...])");
    if (arg == "--bytes") {
      options.bytes = parse_count("--bytes", argv[++a]);
    } else if (arg == "--rounds") {
      const std::size_t rounds = parse_count("--rounds", argv[++a]);
      if (rounds > 1000) fail("--rounds: at most 1000");
      options.rounds = static_cast<int>(rounds);
    } else if (arg == "--targets") {
      options.targets = split_list(argv[++a]);
    } else {
      fail("unknown option " + arg +
           " (usage: out_of_cache [--bytes B] [--rounds R] "
           "[--targets T,T,...])");
    }
  }
  // Below the streaming threshold the kernels' last pass would use ordinary stores, and the
  // patterns (which stream) would not be theirs.
  if (options.bytes < kernels::simd_stream_bytes())
    fail("--bytes: at least " + std::to_string(kernels::simd_stream_bytes()) +
         " (the kernels' streaming threshold, simd.hpp), got " + std::to_string(options.bytes));
  if (options.targets.empty()) {
    for (const std::string& target : kDefaultTargets)
      if (kernels::simd_force_target(target)) options.targets.push_back(target);
    kernels::simd_force_target("");
    if (options.targets.empty()) fail("this CPU runs neither of the default targets avx3, avx2");
  }
  check_targets(options.targets);
  return options;
}

// 64-byte aligned floats, first-touched here (zeroed), once.
using Floats = std::unique_ptr<float[], decltype(&std::free)>;
Floats aligned_floats(std::size_t n) {
  Floats p(static_cast<float*>(std::aligned_alloc(64, n * sizeof(float))), &std::free);
  if (!p) fail("cannot allocate " + std::to_string(n * sizeof(float)) + " bytes");
  std::memset(p.get(), 0, n * sizeof(float));
  return p;
}

// N(0, 3^2) logits, as softmax_throughput's.
void fill_logits(float* x, std::size_t n) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (std::size_t i = 0; i < n; ++i) x[i] = normal(rng);
}

// A contender: an algorithm's kernel call or its ceiling pattern, and its seconds per round.
struct Contender {
  std::string algorithm;
  std::function<void()> call;
  std::vector<double> seconds;
};

double time_call(const std::function<void()>& call) {
  const auto start = Clock::now();
  call();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// `rounds` rounds of one timed call per contender, each after an untimed call of its own,
// round r starting at contender r.
void interleave(std::vector<Contender>& contenders, int rounds, const std::string& target) {
  for (int round = 0; round < rounds; ++round) {
    std::fprintf(stderr, "out_of_cache: %s round %d/%d\n", target.c_str(), round + 1, rounds);
    for (std::size_t k = 0; k < contenders.size(); ++k) {
      Contender& c = contenders[(round + k) % contenders.size()];
      c.call();
      c.seconds.push_back(time_call(c.call));
    }
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

// builtin/softmax/f32/simd-<algorithm>-<target>-u<unroll>a<accumulators> (simd_register.cpp).
std::string kernel_name(const std::string& algorithm, const std::string& target) {
  std::string name = "builtin/softmax/f32/simd-";
  name.append(algorithm).append("-").append(target).append("-u");
  name.append(std::to_string(kernels::kSimdUnroll)).append("a");
  return name.append(std::to_string(kernels::kSimdAccumulators));
}

// The kernel's first call, checked against its pattern: the kernels whose pattern ends with
// streaming stores must have streamed the row (simd_streamed_rows), reload must not have.
void warm_up_kernel(const Contender& kernel, const bw::Pattern& pattern) {
  const std::size_t streamed = kernels::simd_streamed_rows();
  kernel.call();
  const bool did_stream = kernels::simd_streamed_rows() != streamed;
  const bool should_stream = pattern.steps.back().pass == bw::Pass::read_stream;
  if (did_stream != should_stream) {
    std::fprintf(stderr, "out_of_cache: %s %s the row, but its pattern says it %s\n",
                 kernel.algorithm.c_str(), did_stream ? "streamed" : "did not stream",
                 should_stream ? "streams" : "does not");
    std::exit(1);
  }
}

// One kernel and one ceiling per algorithm, under the target (already forced).
std::vector<Contender> contenders_for(const std::string& target, float* x, float* out,
                                      std::size_t n) {
  softcheck::Registry registry;  // fresh: kernel names carry the target at registration
  softcheck::register_builtin_kernels(registry);
  const bw::Isa isa = bw::isa_of_target(target);
  std::vector<Contender> list;
  for (const std::string& algorithm : bw::softmax_algorithms()) {
    const std::string name = kernel_name(algorithm, target);
    const auto found = registry.match(name);
    if (found.size() != 1) fail("no kernel " + name + " in the registry");
    softcheck::KernelCall call;
    call.x = x, call.out = out, call.rows = 1, call.n = n, call.stride = n;
    const softcheck::KernelFn run = found.front()->run;
    list.push_back({algorithm, [run, call] { run(call); }, {}});
    const bw::Pattern pattern = bw::algorithm_pattern(algorithm);
    list.push_back({algorithm,
                    [pattern, isa, x, out, n] {
                      g_checksum = g_checksum + bw::run_pattern(pattern, isa, x, out, n);
                    },
                    {}});
    warm_up_kernel(list[list.size() - 2], pattern);
    list.back().call();
  }
  return list;
}

void print_header(int argc, char** argv, const Options& options, std::size_t n) {
  std::string command = "out_of_cache";
  for (int a = 1; a < argc; ++a) command.append(" ").append(argv[a]);
  std::printf("# command: %s\n# commit: %s\n", command.c_str(), SOFTCHECK_COMMIT);
  std::printf(
      "# f32 softmax, one thread, one row of %zu floats (%zu bytes) in and one out, "
      "64-byte aligned, first-touched once; N(0, 3^2) logits; streaming stores from "
      "%zu-byte rows\n",
      n, n * sizeof(float), kernels::simd_stream_bytes());
  std::printf(
      "# %d interleaved rounds per target: every kernel and every ceiling times one "
      "call per round, after an untimed call of its own, the order rotated by one each "
      "round; median, best and worst over the rounds\n",
      options.rounds);
  std::printf(
      "# GB/s = %.0f bytes per element (the row read once + the output written once) "
      "/ time, for kernel and ceiling alike; fraction = ceiling median time / kernel "
      "median time; moved_bytes_per_element = bytes the passes read + write\n",
      kCountedBytesPerElement);
  std::printf(
      "# ceiling = the algorithm's passes without arithmetic (bandwidth_patterns.hpp, "
      "bandwidth_probe), at the target's vector width (probe_isa), prefetch %zu floats "
      "ahead as the kernels\n",
      bw::kPrefetch);
  std::printf(
      "# target\talgorithm\tkernel\tprobe_isa\tpattern\tkernel_median_GB/s\t"
      "kernel_best_GB/s\tkernel_worst_GB/s\tceiling_median_GB/s\tceiling_best_GB/s\t"
      "ceiling_worst_GB/s\tfraction\tmoved_bytes_per_element\n");
  std::fflush(stdout);
}

// One line per algorithm: its kernel and its ceiling (adjacent in `list`).
void print_target(const std::string& target, const std::vector<Contender>& list, std::size_t n) {
  const double counted = kCountedBytesPerElement * static_cast<double>(n) / 1e9;  // GB per call
  for (std::size_t i = 0; i + 1 < list.size(); i += 2) {
    const Contender& kernel = list[i];
    const Contender& ceiling = list[i + 1];
    const auto [kernel_fast, kernel_slow] =
        std::minmax_element(kernel.seconds.begin(), kernel.seconds.end());
    const auto [ceiling_fast, ceiling_slow] =
        std::minmax_element(ceiling.seconds.begin(), ceiling.seconds.end());
    const double kernel_mid = median(kernel.seconds), ceiling_mid = median(ceiling.seconds);
    const bw::Pattern pattern = bw::algorithm_pattern(kernel.algorithm);
    std::printf("%s\t%s\t%s\t%s\t%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.0f\n",
                target.c_str(), kernel.algorithm.c_str(),
                kernel_name(kernel.algorithm, target).c_str(),
                bw::isa_name(bw::isa_of_target(target)), pattern.name.c_str(), counted / kernel_mid,
                counted / *kernel_fast, counted / *kernel_slow, counted / ceiling_mid,
                counted / *ceiling_fast, counted / *ceiling_slow, ceiling_mid / kernel_mid,
                bw::moved_bytes_per_element(pattern));
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  std::size_t n = options.bytes / sizeof(float);
  n -= n % bw::kRowMultiple;  // whole tiles of the probe's loops
  print_header(argc, argv, options, n);
  const Floats x = aligned_floats(n), out = aligned_floats(n);
  fill_logits(x.get(), n);
  for (const std::string& target : options.targets) {
    kernels::simd_force_target(target);  // checked by parse_options
    if (kernels::simd_target_name() != target)
      fail("forcing " + target + " gave the target " + kernels::simd_target_name());
    std::vector<Contender> list = contenders_for(target, x.get(), out.get(), n);
    interleave(list, options.rounds, target);
    print_target(target, list, n);
  }
  kernels::simd_force_target("");
  std::fprintf(stderr, "(checksum %g)\n", static_cast<double>(g_checksum));
  return 0;
}
