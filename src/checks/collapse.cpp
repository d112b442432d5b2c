#include "checks/collapse.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "reference/reference.hpp"

namespace softcheck::collapse {
namespace {

enum class Output { loss, gradient };

// The correctly rounded reference of one output at one gap.
double reference_value(Output output, Format format, double gap,
                       std::span<const double> competitors, std::size_t target) {
  const std::vector<double> row = make_row(gap, competitors, target);
  const reference::RowReference ref = reference::evaluate_row(row, format, target);
  return output == Output::loss ? ref.ce_loss.rounded : ref.ce_gradient[target].rounded;
}

// The first index whose reference is 0, by bisection (the reference is monotone in g).
std::size_t reference_zero_index(Output output, Format format, std::span<const double> gaps,
                                 std::span<const double> competitors, std::size_t target) {
  const auto reference_is_zero = [&](std::size_t i) {
    return reference_value(output, format, gaps[i], competitors, target) == 0;
  };
  std::size_t nonzero = 0, zero = gaps.size() - 1;
  if (reference_is_zero(nonzero) || !reference_is_zero(zero))
    throw std::logic_error("collapse: the reference is not 0 at the end of the grid");
  while (zero - nonzero > 1) {
    const std::size_t middle = nonzero + (zero - nonzero) / 2;
    (reference_is_zero(middle) ? zero : nonzero) = middle;
  }
  return zero;
}

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
  if (kernel.op != Op::cross_entropy)
    throw std::invalid_argument("collapse: " + kernel.name() + " is not a cross_entropy kernel");
  if (n < 2) throw std::invalid_argument("collapse: needs n >= 2 classes");
  Result result;
  result.kernel = &kernel;
  result.n = n;
  result.options = options;
  result.target = target_index(options.target, n);
  result.competitors = make_competitors(options.layout, n, kernel.format, options.seed);
  result.theory = theory_for(kernel, result.competitors);

  const Format format = kernel.format;
  const std::vector<double> gaps =
      gap_grid(format, options.step, result.theory.output_underflow + kGridMargin);
  const std::size_t loss_zero =
      reference_zero_index(Output::loss, format, gaps, result.competitors, result.target);
  const std::size_t gradient_zero =
      reference_zero_index(Output::gradient, format, gaps, result.competitors, result.target);
  result.reference_loss_zero = gaps[loss_zero];
  result.reference_gradient_zero = gaps[gradient_zero];

  const auto swept = std::span(gaps).first(std::max(loss_zero, gradient_zero));
  result.grid_points = swept.size();
  KernelValues values;
  try {
    values = run_kernel(kernel, swept, result.competitors, result.target,
                        options.max_elements_per_call);
  } catch (const KernelFailure& failure) {
    result.failure = failure.what();
    return result;
  }
  result.calls = values.calls;
  result.loss = find_onset(swept, values.loss, loss_zero, is_zero);
  result.gradient = find_onset(swept, values.gradient, gradient_zero, is_zero);
  result.loss_sign = find_onset(swept, values.loss, loss_zero, is_not_positive);
  result.gradient_sign = find_onset(swept, values.gradient, gradient_zero, is_not_negative);
  const auto add_reference = [&](Onset& onset, Output output) {
    if (onset.from)
      onset.reference_at_from =
          reference_value(output, format, *onset.from, result.competitors, result.target);
  };
  add_reference(result.loss, Output::loss);
  add_reference(result.gradient, Output::gradient);
  add_reference(result.loss_sign, Output::loss);
  add_reference(result.gradient_sign, Output::gradient);
  return result;
}

}  // namespace softcheck::collapse
