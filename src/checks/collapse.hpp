// Softmax collapse (SC) of a cross-entropy kernel (softmax or StableMax): sweep confident
// rows (collapse_rows.hpp) over a grid of logit gaps g (collapse_grid.hpp) and find where
// the kernel's loss, and its gradient at the target, become exactly 0 while the correctly
// rounded reference is not 0. The theory the measurement is compared with is in
// collapse_theory.hpp, collapse_stablemax_theory.hpp and proofs/softmax-collapse.md.
//
// The reference's loss and |target gradient| decrease strictly with g and rounding is
// monotone, so the reference is 0 exactly from some grid gap on (or never: StableMax's
// loss); bisection finds it. A kernel's values need not be monotone (rounding), so the
// kernel runs on every grid gap below that point, batched into calls of at most
// max_elements_per_call elements.
//
// Softmax cross-entropy: a linear grid of step 1/64 up to the output underflow. StableMax
// cross-entropy: a geometric grid (8 gaps per octave) beyond its onsets, 2^24 to 2^540;
// there every onset, and the reference's zero, is then refined by bisection within its grid
// cell down to adjacent values of the format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "checks/collapse_grid.hpp"
#include "checks/collapse_rows.hpp"
#include "checks/collapse_theory.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::collapse {

// Grid step in g: fine against the onsets' spacing (ln 2 per bit of precision), and a power
// of two, so every gap is exact in f64/f32 and in bf16/f16 where their spacing allows.
inline constexpr double kDefaultStep = 1.0 / 64;
// Elements per kernel call: 2^21 (16 MiB of f64 input); an isolated provider kernel costs
// ~35 us per call, so many rows go into one call.
inline constexpr std::size_t kMaxElementsPerCall = std::size_t{1} << 21;
// The grid runs to this far beyond the theoretical reference underflow (g* + 1 multiplies
// the exact value by 1/e, enough to be sure the reference is 0 there).
inline constexpr double kGridMargin = 1.0;
// StableMax's geometric grid: gaps 2^k (1 + i/8), a relative resolution of 1/8 (refined
// afterwards), so 8 per octave: ~4400 gaps to 2^545 in f64.
inline constexpr int kOctaveSubdivisions = 8;
// It runs to this factor beyond the largest finite theoretical onset (two octaves: the
// reference gradient is then 1/16 of denorm_min / 2, surely 0).
inline constexpr double kGeometricGridMargin = 4.0;
// Bisection steps within one grid cell: a cell of the geometric grid holds 2^49 f64 values
// (2^52 per octave, 8 cells), so 64 steps reach adjacent values.
inline constexpr int kMaxBisectionSteps = 64;

struct Options {
  Layout layout = Layout::zeros;
  TargetPosition target = TargetPosition::first;
  std::uint64_t seed = 1;  // spread competitors
  double step = kDefaultStep;                   // linear grid (softmax)
  int octave_subdivisions = kOctaveSubdivisions;  // geometric grid (StableMax)
  std::size_t max_elements_per_call = kMaxElementsPerCall;
};

struct Onset {
  // The first grid gap from which the kernel's value is exactly 0 at every grid gap up to
  // the reference's own zero (or the grid's end); none when the value just before it is not 0.
  std::optional<double> from;
  // The first grid gap at which the kernel's value is exactly 0 while the reference is not.
  std::optional<double> first;
  double spacing = 0;             // grid spacing just below `from` (its resolution)
  double reference_at_from = 0;   // the correctly rounded reference there (never 0)
  // On a refined grid, `from` and `first` are the bisected values in the grid cell below
  // them, and `spacing` the distance to the value below (the format's spacing there).
};

struct Result {
  const Kernel* kernel = nullptr;
  std::size_t n = 0;
  Options options;
  std::size_t target = 0;
  std::vector<double> competitors;
  bool geometric = false;              // the grid (StableMax), refined by bisection
  std::size_t grid_points = 0;         // gaps the kernel ran on
  std::size_t calls = 0;               // kernel calls, bisection included
  // First grid gap (refined: first gap) where the reference loss is 0; none: never on the grid.
  std::optional<double> reference_loss_zero;
  std::optional<double> reference_gradient_zero;  // ... and the reference target gradient
  Onset loss;                          // exactly 0
  Onset gradient;                      // the gradient at the target, exactly 0
  Onset loss_sign;                     // 0 or negative
  Onset gradient_sign;                 // the gradient at the target, 0 or positive
  Theory theory;
  std::string failure;                 // a failed kernel call (KernelFailure); onsets empty
};

// The onsets (without reference_at_from) of one output: values[i] is the kernel's value at
// gaps[i]; only i < limit (where the reference is not 0) count; `collapsed` says whether a
// value counts (NaN never should).
using Collapsed = bool (*)(double value);
Onset find_onset(std::span<const double> gaps, std::span<const double> values, std::size_t limit,
                 Collapsed collapsed);
bool is_zero(double value);
// The exact loss is > 0 and the exact target gradient < 0: a kernel value of 0 or of the
// other sign has lost the row's signal (an approximate log(1) != 0 gives a loss < 0 and a
// target gradient > 0 instead of exact zeros).
bool is_not_positive(double value);
bool is_not_negative(double value);

// Throws std::invalid_argument unless kernel.op is cross_entropy or stablemax_cross_entropy
// and n >= 2.
Result measure(const Kernel& kernel, std::size_t n, const Options& options);

}  // namespace softcheck::collapse
