// Accuracy against input scale: every selected kernel on rows of N(0, sigma^2) logits for a
// geometric grid of sigma, its outputs measured against the correctly rounded references
// (the gate's references and its accuracy measure, checks/element_check.hpp), giving per
// kernel and scale the worst and median error in ulps of the exact result and the number of
// elements beyond the kernel's contract. Where a kernel overflows (the naive baseline at
// large scales) the worst error is +inf.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "checks/contract.hpp"
#include "core/families.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::stability {

struct ScalePoint {
  double scale = 0;             // sigma of the logits
  double worst_ulps = 0;        // over outputs whose exact value is normal in the format
  double median_ulps = 0;
  std::size_t elements = 0;     // outputs measured (exact value normal)
  std::size_t beyond_contract = 0;  // of those, errors above the contract's allowance
  std::string failure;          // a failed call (isolated kernel crashed); no measurement
};

struct AccuracyCurve {
  const Kernel* kernel = nullptr;
  std::vector<ScalePoint> points;
};

struct AccuracyOptions {
  std::vector<double> scales;  // sigma values
  std::size_t n = 64;          // classes per row
  std::size_t rows = 32;       // rows per scale
  std::uint64_t seed = 1;
  unsigned threads = 2;
  std::function<void(std::size_t done, std::size_t total, const std::string&)> progress;
};

// sigma = 2^k: k from -4 to 12 (quick: every other k; deep: half steps).
std::vector<double> default_scales(Suite suite);
AccuracyOptions accuracy_options(Suite suite, std::uint64_t seed, unsigned threads);

// The row batch of one format at one scale: entries sigma * N(0, 1) from derive_seed(seed,
// scale index), rounded to the format (clamped to its finite range), targets uniform.
Batch scale_batch(Format format, double scale, std::size_t scale_index,
                  const AccuracyOptions& options);

std::vector<AccuracyCurve> measure_accuracy(const std::vector<const Kernel*>& kernels,
                                            const ContractSet& contracts,
                                            const AccuracyOptions& options);

}  // namespace softcheck::stability
