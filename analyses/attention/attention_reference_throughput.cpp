// How fast the correctly rounded attention reference (reference/attention_reference.hpp) is,
// one thread: one head of Lq = Lk = 1024, d = 64, no mask, Q, K, V drawn N(0, 1) and rounded to
// the format (f32 and bf16; LSE in f32). Per format:
//   - the whole case with the double-double fast path (ReferenceOptions default): the median
//     time over --repeats runs, verified outputs per second (Lq * d elements of O plus Lq LSEs),
//     and the rows the fast path decided vs those that fell back to MPFR;
//   - the baseline in the same run: every row in MPFR (fast_path = false) on the first 32 query
//     rows (the same K, V; Lq = 32), the median over --repeats, MPFR rows per second, and the
//     speed-up per row of the whole fast-path case over it. The 32-row case is also computed
//     with the fast path and both results are compared (rounded values and exact_hi, bit for
//     bit).
// Usage: attention_reference_throughput [--repeats N] [--seed N] [--markdown PATH]
// Prints the Markdown table; with --markdown also writes it to PATH. Exit status: 0, 1 when
// the fast path and MPFR disagree on any output, 2 on a usage error.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "provenance.hpp"
#include "core/attention.hpp"
#include "core/format.hpp"
#include "core/rng.hpp"
#include "reference/attention_reference.hpp"

using namespace softcheck;

namespace {

using attention_analyses::built_from;
using attention_analyses::shell_quote;

constexpr std::size_t kLength = 1024;   // Lq = Lk
constexpr std::size_t kHeadDim = 64;    // d
constexpr std::size_t kMpfrRows = 32;   // the MPFR-only slice: the first query rows
constexpr Format kLseFormat = Format::f32;

// One head: N(0, 1) values rounded to `format`, no mask.
AttentionCase make_case(Format format, std::size_t lq, std::uint64_t seed) {
  AttentionCase c;
  c.format = format;
  c.shape = {kLength, kLength, kHeadDim};
  Rng rng(seed);
  for (std::vector<double>* x : {&c.q, &c.k, &c.v}) {
    x->resize(kLength * kHeadDim);
    for (double& value : *x) value = round_to_format(rng.normal(), format);
  }
  c.q.resize(lq * kHeadDim);  // the first lq query rows; K and V as for the whole case
  c.shape.lq = lq;
  c.mask.kind = MaskKind::none;
  c.apply_mask();
  return c;
}

struct Timing {
  double median_seconds = 0;
  reference::AttentionReference result;
};

Timing time_reference(const AttentionCase& c, bool fast_path, int repeats) {
  reference::ReferenceOptions options;
  options.fast_path = fast_path;
  std::vector<double> seconds;
  Timing timing;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    timing.result = reference::attention_reference(c, kLseFormat, options);
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  timing.median_seconds = seconds[seconds.size() / 2];
  return timing;
}

bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

std::size_t differences(const reference::AttentionReference& a, const reference::AttentionReference& b) {
  std::size_t n = 0;
  auto compare = [&n](const std::vector<reference::Exact>& x, const std::vector<reference::Exact>& y) {
    for (std::size_t i = 0; i < x.size(); ++i)
      n += !same(x[i].rounded, y[i].rounded) || !same(x[i].exact_hi, y[i].exact_hi);
  };
  compare(a.out, b.out);
  compare(a.lse, b.lse);
  return n;
}

std::string format_number(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}


}  // namespace

int main(int argc, char** argv) {
  int repeats = 3;
  std::uint64_t seed = 1;
  std::string markdown_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    try {
      if (arg == "--repeats" && has_value) {
        repeats = std::stoi(argv[++i]);
        if (repeats < 1) throw std::invalid_argument("--repeats");
      } else if (arg == "--seed" && has_value) {
        seed = std::stoull(argv[++i]);
      } else if (arg == "--markdown" && has_value) {
        markdown_path = argv[++i];
      } else {
        throw std::invalid_argument(arg);
      }
    } catch (const std::exception&) {
      std::cerr << "usage: attention_reference_throughput [--repeats N] [--seed N] [--markdown PATH]\n";
      return 2;
    }
  }
  std::string command = shell_quote(argv[0]);
  for (int i = 1; i < argc; ++i) command.append(" ").append(shell_quote(argv[i]));

  std::ostringstream md;
  md << "# Attention reference throughput\n\n"
     << "Produced by `" << command << "` (softcheck " << SOFTCHECK_VERSION_NUMBER
     << ", built from commit " << built_from() << "): one thread, one head of Lq = Lk = "
     << kLength << ", d = " << kHeadDim << ", no mask, Q, K, V ~ N(0, 1) rounded to the format "
     << "(seed " << seed << "), LSE in f32; median of " << repeats
     << " runs of reference::attention_reference. Verified outputs = Lq * d elements of O + Lq "
        "LSEs. Baseline in the same run: every row in MPFR (ReferenceOptions.fast_path = false) "
        "on the first " << kMpfrRows << " query rows (same K, V); \"outputs different\" compares "
        "those rows' results with the fast path's, rounded value and exact_hi bit for bit.\n\n"
     << "| format | fast path: time (whole case) | verified outputs/s | rows/s | rows by fast "
        "path | rows by MPFR (fallback) | MPFR only: time (" << kMpfrRows << " rows) | "
        "outputs/s | rows/s | speed-up per row | outputs different |\n"
     << "|---|---|---|---|---|---|---|---|---|---|---|\n";
  std::size_t total_differences = 0;
  for (Format format : {Format::f32, Format::bf16}) {
    std::cerr << "attention_reference_throughput: " << name(format) << "\n";
    const AttentionCase whole = make_case(format, kLength, seed);
    const AttentionCase slice = make_case(format, kMpfrRows, seed);
    const Timing fast = time_reference(whole, true, repeats);
    const Timing mpfr = time_reference(slice, false, repeats);
    const std::size_t different =
        differences(time_reference(slice, true, 1).result, mpfr.result);
    total_differences += different;

    const double rows = static_cast<double>(kLength);
    const double outputs = static_cast<double>(kLength * kHeadDim + kLength);
    const double slice_rows = static_cast<double>(kMpfrRows);
    const double slice_outputs = static_cast<double>(kMpfrRows * kHeadDim + kMpfrRows);
    const double fast_rows_per_s = rows / fast.median_seconds;
    const double mpfr_rows_per_s = slice_rows / mpfr.median_seconds;
    const std::size_t all_rows = fast.result.fast_rows + fast.result.mpfr_rows;
    md << "| " << name(format) << " | " << format_number("%.3f s", fast.median_seconds) << " | "
       << format_number("%.3g", outputs / fast.median_seconds) << " | "
       << format_number("%.4g", fast_rows_per_s) << " | " << fast.result.fast_rows << " | "
       << fast.result.mpfr_rows << " ("
       << format_number("%.2f %%", 100.0 * static_cast<double>(fast.result.mpfr_rows) /
                                       static_cast<double>(std::max<std::size_t>(1, all_rows)))
       << ") | " << format_number("%.3f s", mpfr.median_seconds) << " | "
       << format_number("%.3g", slice_outputs / mpfr.median_seconds) << " | "
       << format_number("%.4g", mpfr_rows_per_s) << " | "
       << format_number("%.1fx", fast_rows_per_s / mpfr_rows_per_s) << " | " << different
       << " |\n";
  }

  std::cout << md.str();
  if (!markdown_path.empty()) {
    std::ofstream file(markdown_path);
    file << md.str();
    if (!file) {
      std::cerr << "attention_reference_throughput: cannot write " << markdown_path << "\n";
      return 2;
    }
  }
  return total_differences == 0 ? 0 : 1;
}
