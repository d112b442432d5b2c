#include "checks/element_bounds.hpp"

#include <map>
#include <stdexcept>
#include <string>

#include "checks/backward_contract.hpp"

namespace softcheck {
namespace {

// f32, bf16 and f16 kernels accumulate in f32 (proofs/backward-contract.md).
Format accumulation_of(Format storage) { return storage == Format::f64 ? Format::f64 : Format::f32; }

bool finite_row(std::span<const double> values) {
  for (double v : values)
    if (!std::isfinite(v)) return false;
  return true;
}

std::vector<double> softmax_backward_bound(const reference::RowInputs& row,
                                           std::span<const reference::Exact> exact, Format format) {
  const auto y = row[Input::y], dy = row[Input::dy];
  std::vector<double> allowed(exact.size(), HUGE_VAL);
  if (!finite_row(y) || !finite_row(dy)) return allowed;  // special rows: the table decides
  const SoftmaxBackwardScale scale = softmax_backward_scale(y, dy);
  for (std::size_t i = 0; i < exact.size(); ++i)
    allowed[i] = softmax_backward_allowance(y[i], dy[i], exact[i].exact_hi, scale, format,
                                            accumulation_of(format));
  return allowed;
}

std::vector<double> log_softmax_backward_bound(const reference::RowInputs& row,
                                               std::span<const reference::Exact> exact,
                                               Format format) {
  const auto log_y = row[Input::log_y], dy = row[Input::dy];
  std::vector<double> allowed(exact.size(), HUGE_VAL);
  if (!finite_row(dy)) return allowed;
  const LogSoftmaxBackwardScale scale = log_softmax_backward_scale(dy);
  for (std::size_t i = 0; i < exact.size(); ++i)
    if (std::isfinite(log_y[i]) || log_y[i] == -HUGE_VAL)
      allowed[i] = log_softmax_backward_allowance(log_y[i], exact[i].exact_hi, scale, format,
                                                  accumulation_of(format));
  return allowed;
}

std::map<Op, ElementBound>& bounds() {
  static std::map<Op, ElementBound> registered{
      {Op::softmax_backward, softmax_backward_bound},
      {Op::log_softmax_backward, log_softmax_backward_bound},
  };
  return registered;
}

}  // namespace

void register_element_bound(Op op, ElementBound bound) { bounds()[op] = std::move(bound); }

const ElementBound& element_bound(Op op) {
  const auto it = bounds().find(op);
  if (it == bounds().end())
    throw std::invalid_argument("softcheck: op '" + std::string(name(op)) +
                                "' has no element bound (checks/element_bounds.hpp)");
  return it->second;
}

}  // namespace softcheck
