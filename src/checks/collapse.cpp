#include "checks/collapse.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "checks/collapse_reference.hpp"

namespace softcheck::collapse {
namespace {

struct KernelValues {
  std::vector<double> loss, gradient;
  std::size_t calls = 0;
};

// Runs the kernel on one row per gap, at most max_elements elements per call.
KernelValues run_kernel(const Kernel& kernel, std::span<const double> gaps,
                        std::span<const double> competitors, std::size_t target,
                        std::size_t max_elements) {
  const std::size_t n = competitors.size() + 1;
  const std::size_t rows_per_call = std::max<std::size_t>(1, max_elements / n);
  KernelValues values;
  for (std::size_t begin = 0; begin < gaps.size(); begin += rows_per_call) {
    const auto chunk = gaps.subspan(begin, std::min(rows_per_call, gaps.size() - begin));
    const Batch batch = make_batch(kernel.format, chunk, competitors, target);
    const PackedBatch x = pack(batch, n);
    PackedBatch out = make_output(kernel.format, batch.rows, n, n);
    PackedBatch loss = make_output(kernel.format, batch.rows, 1, 1);
    kernel.run({x.data(), out.data(), loss.data(), batch.targets.data(), batch.rows, n, n});
    ++values.calls;
    for (std::size_t r = 0; r < batch.rows; ++r) {
      values.loss.push_back(packed_value(loss, r, 0));
      values.gradient.push_back(packed_value(out, r, target));
    }
  }
  return values;
}

// The gaps of the sweep: linear for softmax, geometric beyond StableMax's finite onsets.
std::vector<double> sweep_grid(const Kernel& kernel, const Theory& theory, const Options& options) {
  if (!collapse_loss(kernel.op)->geometric)
    return gap_grid(kernel.format, options.step, theory.output_underflow + kGridMargin);
  double end = std::numeric_limits<double>::infinity();  // no finite onset: the whole format
  for (double onset : {theory.plain_sum, theory.gradient_underflow})
    if (std::isfinite(onset)) end = std::isfinite(end) ? std::max(end, onset) : onset;
  return geometric_gap_grid(kernel.format, options.octave_subdivisions,
                            end * kGeometricGridMargin);
}

// Narrows `gap`, a grid gap where `holds` first holds after the grid gap below, to adjacent
// values of the format.
Crossing refine(std::span<const double> gaps, double gap, Format format, const Predicate& holds) {
  const auto i = static_cast<std::size_t>(std::lower_bound(gaps.begin(), gaps.end(), gap) -
                                          gaps.begin());
  if (i == 0 || i >= gaps.size()) return {gap, gap};
  return bisect_gap({gaps[i - 1], gaps[i]}, format, holds, kMaxBisectionSteps);
}

// One measurement: the row, the grid and the kernel's single-gap runs (bisection).
class Sweep {
 public:
  Sweep(const Kernel& kernel, Result& result, std::vector<double> gaps)
      : kernel_(kernel), result_(result), gaps_(std::move(gaps)) {}

  std::span<const double> gaps() const { return gaps_; }

  double reference(Output output, double gap) const {
    return reference_value(kernel_.op, output, kernel_.format, gap, result_.competitors,
                           result_.target);
  }

  // The reference's zero on the grid (refined on a geometric grid); none: never on the grid.
  std::optional<double> reference_zero(std::optional<std::size_t> index, Output output) const {
    if (!index) return std::nullopt;
    if (!result_.geometric) return gaps_[*index];
    return refine(gaps_, gaps_[*index], kernel_.format,
                  [&](double gap) { return reference(output, gap) == 0; })
        .at;
  }

  double kernel_value(Output output, double gap) {
    const KernelValues values = run_kernel(kernel_, std::span(&gap, 1), result_.competitors,
                                           result_.target, result_.options.max_elements_per_call);
    result_.calls += values.calls;
    return output == Output::loss ? values.loss.front() : values.gradient.front();
  }

  // Narrows a grid onset's `first` and `from` by bisection on the kernel.
  void refine_onset(Onset& onset, Output output, Collapsed collapsed) {
    const Predicate holds = [&](double gap) { return collapsed(kernel_value(output, gap)); };
    const bool same = onset.first == onset.from;
    if (onset.from) {
      const Crossing crossing = refine(gaps_, *onset.from, kernel_.format, holds);
      onset.from = crossing.at;
      onset.spacing = crossing.at - crossing.below;
    }
    if (same) onset.first = onset.from;
    else if (onset.first) onset.first = refine(gaps_, *onset.first, kernel_.format, holds).at;
  }

  void add_reference(Onset& onset, Output output) const {
    if (onset.from) onset.reference_at_from = reference(output, *onset.from);
  }

 private:
  const Kernel& kernel_;
  Result& result_;
  std::vector<double> gaps_;
};

}  // namespace

bool is_zero(double value) { return value == 0; }
bool is_not_positive(double value) { return value <= 0; }
bool is_not_negative(double value) { return value >= 0; }

Onset find_onset(std::span<const double> gaps, std::span<const double> values, std::size_t limit,
                 Collapsed collapsed) {
  Onset onset;
  limit = std::min({limit, gaps.size(), values.size()});
  for (std::size_t i = 0; i < limit && !onset.first; ++i)
    if (collapsed(values[i])) onset.first = gaps[i];
  std::size_t from = limit;
  while (from > 0 && collapsed(values[from - 1])) --from;
  if (from < limit) {
    onset.from = gaps[from];
    onset.spacing = grid_spacing(gaps, from);
  }
  return onset;
}

Result measure(const Kernel& kernel, std::size_t n, const Options& options) {
  if (!collapse_loss(kernel.op))
    throw std::invalid_argument("collapse: " + kernel.name() +
                                " is not a cross_entropy or stablemax_cross_entropy kernel");
  if (n < 2) throw std::invalid_argument("collapse: needs n >= 2 classes");
  Result result;
  result.kernel = &kernel;
  result.n = n;
  result.options = options;
  result.target = target_index(options.target, n);
  result.competitors = make_competitors(options.layout, n, kernel.format, options.seed);
  result.theory = theory_for(kernel, result.competitors);
  result.geometric = collapse_loss(kernel.op)->geometric;

  const Format format = kernel.format;
  Sweep sweep(kernel, result, sweep_grid(kernel, result.theory, options));
  const auto gaps = sweep.gaps();
  const auto zero_index = [&](Output output) {
    const auto zero = reference_zero_index(kernel.op, output, format, gaps, result.competitors,
                                           result.target);
    if (!zero && !result.geometric)  // the linear grid runs past the output underflow
      throw std::logic_error("collapse: the reference is not 0 at the end of the grid");
    return zero;
  };
  const auto loss_zero = zero_index(Output::loss);
  const auto gradient_zero = zero_index(Output::gradient);
  result.reference_loss_zero = sweep.reference_zero(loss_zero, Output::loss);
  result.reference_gradient_zero = sweep.reference_zero(gradient_zero, Output::gradient);
  const std::size_t loss_limit = loss_zero.value_or(gaps.size());
  const std::size_t gradient_limit = gradient_zero.value_or(gaps.size());

  const auto swept = gaps.first(std::max(loss_limit, gradient_limit));
  result.grid_points = swept.size();
  try {
    const KernelValues values = run_kernel(kernel, swept, result.competitors, result.target,
                                           options.max_elements_per_call);
    result.calls = values.calls;
    result.loss = find_onset(swept, values.loss, loss_limit, is_zero);
    result.gradient = find_onset(swept, values.gradient, gradient_limit, is_zero);
    result.loss_sign = find_onset(swept, values.loss, loss_limit, is_not_positive);
    result.gradient_sign = find_onset(swept, values.gradient, gradient_limit, is_not_negative);
    if (result.geometric) {
      sweep.refine_onset(result.loss, Output::loss, is_zero);
      sweep.refine_onset(result.gradient, Output::gradient, is_zero);
      sweep.refine_onset(result.loss_sign, Output::loss, is_not_positive);
      sweep.refine_onset(result.gradient_sign, Output::gradient, is_not_negative);
    }
  } catch (const KernelFailure& failure) {
    result.failure = failure.what();
    result.loss = result.gradient = result.loss_sign = result.gradient_sign = Onset{};
    return result;
  }
  sweep.add_reference(result.loss, Output::loss);
  sweep.add_reference(result.gradient, Output::gradient);
  sweep.add_reference(result.loss_sign, Output::loss);
  sweep.add_reference(result.gradient_sign, Output::gradient);
  return result;
}

}  // namespace softcheck::collapse
