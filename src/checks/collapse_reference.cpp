#include "checks/collapse_reference.hpp"

#include <stdexcept>
#include <vector>

#include "checks/collapse_rows.hpp"
#include "reference/op_reference.hpp"

namespace softcheck::collapse {

double reference_value(Op op, Output output, Format format, double gap,
                       std::span<const double> competitors, std::size_t target) {
  const std::vector<double> row = make_row(gap, competitors, target);
  const reference::OpRow ref = reference::evaluate_op_row(op, {row, target, {}}, format);
  return output == Output::loss ? ref.value.rounded : ref.elements[target].rounded;
}

std::optional<std::size_t> reference_zero_index(Op op, Output output, Format format,
                                                std::span<const double> gaps,
                                                std::span<const double> competitors,
                                                std::size_t target) {
  const auto reference_is_zero = [&](std::size_t i) {
    return reference_value(op, output, format, gaps[i], competitors, target) == 0;
  };
  std::size_t nonzero = 0, zero = gaps.size() - 1;
  if (reference_is_zero(nonzero))
    throw std::logic_error("collapse: the reference is 0 at the start of the grid");
  if (!reference_is_zero(zero)) return std::nullopt;
  while (zero - nonzero > 1) {
    const std::size_t middle = nonzero + (zero - nonzero) / 2;
    (reference_is_zero(middle) ? zero : nonzero) = middle;
  }
  return zero;
}

}  // namespace softcheck::collapse
