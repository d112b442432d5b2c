// Softmax backward kernels: see backward.hpp.
#include "kernels/backward.hpp"

#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

#include "kernels/element.hpp"

namespace softcheck::kernels {
namespace {

// One row of a backward call: the forward output (y or log_y), the incoming gradient dy and
// the n outputs, in the storage type of E.
template <class E>
struct BackwardRow {
  using T = typename E::storage;
  using A = typename E::acc;
  const T* forward = nullptr;
  const T* dy = nullptr;
  T* out = nullptr;
  std::size_t n = 0;

  A forward_at(std::size_t i) const { return E::load(forward[i]); }
  A dy_at(std::size_t i) const { return E::load(dy[i]); }
  void store(std::size_t i, A v) const { out[i] = E::store(v); }
};

// Pass 1, two-pass: sum_j term(j) with one accumulator, in index order.
template <class A, class Term>
A sum_in_order(std::size_t n, Term&& term) {
  A sum = 0;
  for (std::size_t j = 0; j < n; ++j) sum += term(j);
  return sum;
}

// Pass 1, blocked: lane k sums the terms j = k mod kBlockLanes; the lanes are then added
// pairwise. The lanes are independent, so the inner loop vectorises.
template <class A, class Term>
A sum_blocked(std::size_t n, Term&& term) {
  std::array<A, kBlockLanes> lanes{};
  std::size_t j = 0;
  for (; j + kBlockLanes <= n; j += kBlockLanes)
    for (std::size_t k = 0; k < kBlockLanes; ++k) lanes[k] += term(j + k);
  for (std::size_t k = 0; j < n; ++j, ++k) lanes[k] += term(j);
  for (std::size_t width = kBlockLanes / 2; width > 0; width /= 2)
    for (std::size_t k = 0; k < width; ++k) lanes[k] += lanes[k + width];
  return lanes[0];
}

// How pass 1 reduces: in index order or in blocked lanes.
enum class Reduction { in_order, blocked };

template <class A, class Term>
A reduce(Reduction reduction, std::size_t n, Term&& term) {
  return reduction == Reduction::blocked ? sum_blocked<A>(n, term) : sum_in_order<A>(n, term);
}

// out_i = y_i * (dy_i - s), s = <y, dy> (the PyTorch / oneDNN form A of the proof).
template <class E>
void softmax_backward_row(Reduction reduction, const BackwardRow<E>& row) {
  using A = typename E::acc;
  const A s = reduce<A>(reduction, row.n,
                        [&](std::size_t j) { return row.forward_at(j) * row.dy_at(j); });
  for (std::size_t i = 0; i < row.n; ++i) row.store(i, row.forward_at(i) * (row.dy_at(i) - s));
}

// out_i = dy_i - exp(log_y_i) * S, S = sum_j dy_j; exp in the accumulation type.
template <class E>
void log_softmax_backward_row(Reduction reduction, const BackwardRow<E>& row) {
  using A = typename E::acc;
  const A sum = reduce<A>(reduction, row.n, [&](std::size_t j) { return row.dy_at(j); });
  for (std::size_t i = 0; i < row.n; ++i)
    row.store(i, row.dy_at(i) - std::exp(row.forward_at(i)) * sum);
}

// The forward output a backward op takes: y for softmax_backward, log_y for log_softmax_backward.
Input forward_input(Op op) {
  if (op == Op::softmax_backward) return Input::y;
  if (op == Op::log_softmax_backward) return Input::log_y;
  throw std::invalid_argument("softcheck: '" + std::string(name(op)) +
                              "' is not a softmax backward op (kernels/backward.hpp)");
}

// A KernelFn running the op's row function on every row; it reads only the forward output and
// dy (never the logits) and does nothing for rows = 0 or n = 0.
template <class E>
KernelFn backward_kernel(Op op, Reduction reduction) {
  using T = typename E::storage;
  const Input forward = forward_input(op);
  const bool softmax = op == Op::softmax_backward;
  return [forward, softmax, reduction](const KernelCall& call) {
    if (call.rows == 0 || call.n == 0) return;
    const auto* forward_values = static_cast<const T*>(call.input(forward));
    const auto* dy = static_cast<const T*>(call.input(Input::dy));
    auto* out = static_cast<T*>(call.out);
    for (std::size_t r = 0; r < call.rows; ++r) {
      const std::size_t start = r * call.stride;
      const BackwardRow<E> row{forward_values + start, dy + start, out + start, call.n};
      if (softmax) {
        softmax_backward_row(reduction, row);
      } else {
        log_softmax_backward_row(reduction, row);
      }
    }
  };
}

KernelFn make_backward(Op op, Format format, Reduction reduction) {
  return visit_format(format, [op, reduction]<class E>(E) -> KernelFn {
    return backward_kernel<E>(op, reduction);
  });
}

}  // namespace

KernelFn make_backward_two_pass(Op op, Format format) {
  return make_backward(op, format, Reduction::in_order);
}

KernelFn make_backward_blocked(Op op, Format format) {
  return make_backward(op, format, Reduction::blocked);
}

void register_backward_kernels(Registry& registry) {
  const struct {
    const char* name;
    KernelFn (*make)(Op, Format);
  } algorithms[] = {{"two-pass", make_backward_two_pass}, {"blocked", make_backward_blocked}};
  for (Op op : {Op::softmax_backward, Op::log_softmax_backward}) {
    for (Format format : kAllFormats) {
      for (const auto& algorithm : algorithms) {
        Kernel kernel{op, format, algorithm.name, "builtin", {}};
        if (!registry.match(kernel.name()).empty()) continue;  // registered before
        kernel.run = algorithm.make(op, format);
        registry.add(std::move(kernel));
      }
    }
  }
}

}  // namespace softcheck::kernels
