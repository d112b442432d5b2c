// What one thread of this machine can stream from memory, per access pattern: the ceiling
// for a softmax pass that reads a row without writing (pass 1 of two-pass), one that reads
// and writes with streaming stores (its last pass), and memcpy, the yardstick of
// reports/perf.md. The memcpy-based bound there assumes every byte moves at memcpy's rate;
// a thread that only reads keeps fewer lines in flight than one whose writes bypass the
// cache, so a read-only pass can be slower than that, and this probe measures by how much.
// It also measures each SIMD softmax algorithm's whole pass sequence (its ceiling when the
// exps cost nothing; analyses/perf/out_of_cache.cpp times them beside the kernels).
//
// The loops are bandwidth_patterns.hpp's, over float rows x and out of n elements (64-byte
// aligned, first-touched once), with AVX-512 vectors where the CPU has them (else AVX2, else
// SSE2; --isa picks one), in tiles of 4 vectors as the kernels:
//   read                      sum of x, prefetching as the kernels do
//   read + streaming write    out = 0.5 x with non-temporal stores, no software prefetch
//   memcpy                    glibc memcpy
//   read + streaming write, prefetched   the same with the kernels' prefetch
//   read + write              out = 0.5 x with ordinary stores, prefetched
//   read + write in place     out = 0.5 out, prefetched (reload's last pass)
//   two-pass/online, three-pass-recompute, three-pass-reload: the algorithm's passes in a row
//                             (bandwidth_patterns.hpp: algorithm_pattern), timed as one
// Each pattern runs `rounds` times in turn; the best and median GB/s are printed (bytes read
// plus bytes written per second, bytes_per_element of them per element). The first three
// rows and the first three columns are the probe's original output (the SSE2 read loop now
// prefetches once per vector, as the kernels, rather than once per cache line).
// Usage: bandwidth_probe [--n N] [--rounds R] [--isa avx512|avx2|sse2] [--patterns LIST]
//   (default n = 64M floats = 256 MB per row, 7 rounds, the widest ISA, every pattern; LIST:
//   comma-separated keys of kPatterns below, e.g. read,stream,memcpy for the original three)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bandwidth_patterns.hpp"

namespace {

namespace bw = softcheck::bandwidth;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A pattern the probe can measure, and the key that --patterns selects it by.
struct Keyed {
  const char* key;
  bw::Pattern pattern;
};

// Every pattern, in output order: the original three first.
std::vector<Keyed> all_patterns() {
  using bw::Pass;
  using bw::Row;
  std::vector<Keyed> list = {
      {"read", {"read", {{Pass::read, Row::x, Row::x, true}}}},
      {"stream", {"read + streaming write", {{Pass::read_stream, Row::x, Row::out, false}}}},
      {"memcpy", {"memcpy", {{Pass::copy, Row::x, Row::out, false}}}},
      {"stream-prefetch",
       {"read + streaming write, prefetched", {{Pass::read_stream, Row::x, Row::out, true}}}},
      {"write", {"read + write", {{Pass::read_write, Row::x, Row::out, true}}}},
      {"write-in-place", {"read + write in place", {{Pass::read_write, Row::out, Row::out, true}}}},
  };
  for (const char* algorithm : {"two-pass", "three-pass-recompute", "three-pass-reload"}) {
    bw::Pattern pattern = bw::algorithm_pattern(algorithm);
    // online has two-pass's passes (and no row of its own)
    const std::string label =
        std::strcmp(algorithm, "two-pass") == 0 ? "two-pass/online" : algorithm;
    pattern.name = label + ": " + pattern.name;
    list.push_back({algorithm, pattern});
  }
  return list;
}

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr, "bandwidth_probe: %s\n", problem.c_str());
  std::exit(2);
}

// The patterns named in a comma-separated list of keys ("all": every one).
std::vector<Keyed> select_patterns(const std::string& list) {
  const std::vector<Keyed> all = all_patterns();
  if (list == "all") return all;
  std::vector<Keyed> chosen;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string key = list.substr(start, comma - start);
    const auto found =
        std::find_if(all.begin(), all.end(), [&](const Keyed& k) { return key == k.key; });
    if (found == all.end()) {
      std::string keys;
      for (const Keyed& k : all) keys += std::string(keys.empty() ? "" : ", ") + k.key;
      usage("--patterns: unknown pattern '" + key + "' (known: " + keys + ", or all)");
    }
    chosen.push_back(*found);
    start = comma + 1;
  }
  return chosen;
}

float* aligned_row(std::size_t n) {
  auto* row = static_cast<float*>(std::aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64));
  if (!row) usage("cannot allocate " + std::to_string(n) + " floats");
  return row;
}

const char* isa_label(bw::Isa isa) {
  return isa == bw::Isa::avx512 ? "AVX-512" : isa == bw::Isa::avx2 ? "AVX2" : "SSE2";
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = std::size_t{64} << 20;
  int rounds = 7;
  bw::Isa isa = bw::widest_isa();
  std::string pattern_list = "all";
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    const bool has_value = a + 1 < argc;
    if (arg == "--n" && has_value) {
      n = std::strtoull(argv[++a], nullptr, 10);
    } else if (arg == "--rounds" && has_value) {
      rounds = std::atoi(argv[++a]);
    } else if (arg == "--isa" && has_value) {
      if (!bw::parse_isa(argv[++a], &isa)) usage("--isa: avx512, avx2 or sse2");
      if (!bw::isa_supported(isa)) usage(std::string("--isa: this CPU has no ") + argv[a]);
    } else if (arg == "--patterns" && has_value) {
      pattern_list = argv[++a];
    } else {
      usage("unknown or incomplete option " + arg +
            " (usage: bandwidth_probe [--n N] [--rounds R] [--isa avx512|avx2|sse2] "
            "[--patterns LIST])");
    }
  }
  if (n < bw::kRowMultiple || rounds < 1) usage("need n >= 64 and rounds >= 1");
  const std::vector<Keyed> patterns = select_patterns(pattern_list);
  n -= n % bw::kRowMultiple;
  float* x = aligned_row(n);
  float* out = aligned_row(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 1000) * 1e-3f, out[i] = 0;

  std::vector<std::vector<double>> rates(patterns.size());  // GB/s per pattern and round
  float sink = 0;
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t p = 0; p < patterns.size(); ++p) {
      const auto start = Clock::now();
      sink += bw::run_pattern(patterns[p].pattern, isa, x, out, n);
      const double seconds = seconds_since(start);
      rates[p].push_back(bw::moved_bytes_per_element(patterns[p].pattern) * static_cast<double>(n) /
                         seconds / 1e9);
    }
  }
  std::printf(
      "# one thread, rows of %zu floats (%.0f MB), %d rounds, %s vectors, prefetch %zu "
      "floats ahead when reading (not in 'read + streaming write' or memcpy); GB/s = "
      "bytes read + written per second\n",
      n, static_cast<double>(n) * 4 / 1e6, rounds, isa_label(isa), bw::kPrefetch);
  std::printf("# pattern\tbest_GB/s\tmedian_GB/s\tbytes_per_element\tmedian_ns_per_element\n");
  for (std::size_t p = 0; p < patterns.size(); ++p) {
    std::vector<double>& v = rates[p];
    std::sort(v.begin(), v.end());
    const double bytes = bw::moved_bytes_per_element(patterns[p].pattern);
    const double mid = v[v.size() / 2];
    std::printf("%s\t%.2f\t%.2f\t%.0f\t%.4f\n", patterns[p].pattern.name.c_str(), v.back(), mid,
                bytes, bytes / mid);
  }
  std::fprintf(stderr, "(checksum %g)\n", static_cast<double>(sink + out[n / 2]));
  std::free(x);
  std::free(out);
  return 0;
}
