// Chunked cross-entropy with gradient filtering: see chunked_ce.hpp.
#include "kernels/chunked_ce.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "fp/constants.hpp"
#include "kernels/row.hpp"

namespace softcheck::kernels {
namespace {

// The running (max, sum over all, sum over j != y) of the blocks seen so far.
struct Merged {
  double max = -fp::kInf<double>;
  double sum = 0;
  double others = 0;

  void merge(double m, double s, double o) {
    if (m == -fp::kInf<double>) return;  // a fully masked block adds nothing
    if (m > max) {
      const double shrink = std::exp(max - m);  // 0 for the first block
      sum = sum * shrink + s;
      others = others * shrink + o;
      max = m;
    } else {
      const double grow = std::exp(m - max);
      sum += s * grow;
      others += o * grow;
    }
  }
};

void chunked_row(const Row<F32>& row, std::size_t block, double threshold) {
  const std::size_t y = row.target;
  Merged merged;
  bool special = false;
  for (std::size_t b0 = 0; b0 < row.n; b0 += block) {
    const std::size_t b1 = std::min(row.n, b0 + block);
    double m = -fp::kInf<double>;
    for (std::size_t j = b0; j < b1; ++j) {
      const double x = row.load(j);
      special |= std::isnan(x) || x == fp::kInf<double>;
      m = std::max(m, x);
    }
    if (special) break;
    double s = 0, o = 0;
    if (m != -fp::kInf<double>) {
      for (std::size_t j = b0; j < b1; ++j) {
        const double e = std::exp(row.load(j) - m);
        s += e;
        if (j != y) o += e;
      }
    }
    merged.merge(m, s, o);
  }
  if (special || merged.max == -fp::kInf<double>)
    return write_special(Op::cross_entropy, row, fp::kNaN<float>);
  const double x_y = row.load(y);
  row.set_result(static_cast<float>((merged.max - x_y) + std::log(merged.sum)));
  const auto gradient = [&](std::size_t j) {
    return j == y ? -merged.others / merged.sum : std::exp(row.load(j) - merged.max) / merged.sum;
  };
  for (std::size_t b0 = 0; b0 < row.n; b0 += block) {
    const std::size_t b1 = std::min(row.n, b0 + block);
    bool skip = true;
    for (std::size_t j = b0; j < b1 && skip; ++j) skip = std::fabs(gradient(j)) < threshold;
    for (std::size_t j = b0; j < b1; ++j)
      row.out[j] = skip ? 0.0f : static_cast<float>(gradient(j));
  }
}

}  // namespace

KernelFn make_chunked_ce(std::size_t block, double threshold) {
  return row_kernel<F32>(Op::cross_entropy, [block, threshold](Op, const Row<F32>& row) {
    chunked_row(row, block, threshold);
  });
}

void register_chunked_ce_kernels(Registry& registry) {
  Kernel kernel{Op::cross_entropy, Format::f32, "chunked-b256-filter", "builtin", {}};
  if (!registry.match(kernel.name()).empty()) return;  // registered before
  kernel.run = make_chunked_ce(256, kChunkedCeThreshold);
  registry.add(std::move(kernel));
}

}  // namespace softcheck::kernels
