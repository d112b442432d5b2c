// The softmax backward kernels (kernels/backward.hpp): their names, exact results on rows
// where every operation of the accumulation format is exact (every row length up to past two
// blocks of lanes, so the blocked tails are covered), the special-value table of
// reference/backward_reference.hpp on hand-made rows, and calls that must touch nothing:
// rows = 0, n = 0, the padding of a strided row, the logits (never given). Kernel tests link
// only softcheck_kernels; the gate (accuracy against the MPFR reference under
// checks/backward_contract.hpp) runs them in the checks layer.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "core/format.hpp"
#include "kernels/backward.hpp"
#include "kernels/kernel.hpp"
#include "test_values.hpp"

using namespace softcheck;

using softcheck::test::kInf;
using softcheck::test::kNaN;

namespace {

const Op kBackwardOps[] = {Op::softmax_backward, Op::log_softmax_backward};

// Every built-in backward kernel.
std::vector<const Kernel*> backward_kernels() {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  std::vector<const Kernel*> kernels;
  for (const Kernel& k : registry.all())
    if (in_family(k.op, "backward")) kernels.push_back(&k);
  return kernels;
}

Input forward_input(Op op) { return op == Op::softmax_backward ? Input::y : Input::log_y; }

// Runs `kernel` on one row (forward output and dy, values representable in its format) laid
// out at stride n + 3. The inputs' padding is NaN (a kernel reading it would make its row
// NaN); the output starts as 0xFF bytes and must keep them outside the n outputs. call.x (the
// logits) is null: a backward kernel is not given them.
std::vector<double> run_row(const Kernel& kernel, const std::vector<double>& forward,
                            const std::vector<double>& dy) {
  const Format f = kernel.format;
  const std::size_t bytes = traits(f).storage_bytes;
  const std::size_t n = forward.size(), stride = n + 3;
  std::vector<unsigned char> a(stride * bytes), d(stride * bytes), out(stride * bytes, 0xFF);
  for (std::size_t i = 0; i < stride; ++i) {
    store(f, a.data(), i, i < n ? forward[i] : kNaN);
    store(f, d.data(), i, i < n ? dy[i] : kNaN);
  }
  KernelCall call;
  call.out = out.data();
  call.rows = 1;
  call.n = n;
  call.stride = stride;
  call.inputs[static_cast<std::size_t>(forward_input(kernel.op))] = a.data();
  call.inputs[static_cast<std::size_t>(Input::dy)] = d.data();
  kernel.run(call);
  for (std::size_t i = n * bytes; i < out.size(); ++i) REQUIRE(out[i] == 0xFF);
  std::vector<double> result(n);
  for (std::size_t i = 0; i < n; ++i) result[i] = load(f, out.data(), i);
  return result;
}

// What an output must be: NaN, an infinity, or any finite value.
enum class Outcome { nan, pos_inf, neg_inf, finite };

bool matches(double value, Outcome outcome) {
  switch (outcome) {
    case Outcome::nan: return std::isnan(value);
    case Outcome::pos_inf: return value == kInf;
    case Outcome::neg_inf: return value == -kInf;
    case Outcome::finite: return std::isfinite(value);
  }
  return false;
}

struct SpecialCase {
  Op op;
  std::vector<double> forward, dy;
  std::vector<Outcome> expected;
};

}  // namespace

TEST_CASE("the backward kernels are registered: two-pass and blocked, both ops, every format") {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  for (Op op : kBackwardOps)
    for (Format format : kAllFormats)
      for (const char* algorithm : {"two-pass", "blocked"}) {
        const std::string kernel_name =
            "builtin/" + std::string(name(op)) + "/" + std::string(name(format)) + "/" + algorithm;
        INFO(kernel_name);
        CHECK(registry.match(kernel_name).size() == 1);
      }
  CHECK(backward_kernels().size() == 2 * std::size(kAllFormats) * 2);
}

TEST_CASE("the backward kernels are exact where every accumulation-format operation is") {
  // y_j = k/16 and integer dy_j in [-8, 8] (every format holds them): y_j dy_j and s are
  // multiples of 1/16 below 2^8, y_i (dy_i - s) has under 17 significant bits, all exact in
  // f32 and f64, so the kernel's result is the exact value rounded once to its format. Log
  // softmax with log_y in {0, -inf}: exp is exactly 1 or 0 and every result an integer.
  for (const Kernel* kernel : backward_kernels()) {
    const Format f = kernel->format;
    for (std::size_t n = 0; n <= 2 * kernels::kBlockLanes + 3; ++n) {
      std::vector<double> forward(n), dy(n);
      for (std::size_t j = 0; j < n; ++j) {
        dy[j] = static_cast<double>(static_cast<int>((j * 5 + 3) % 17) - 8);
        forward[j] = kernel->op == Op::softmax_backward ? static_cast<double>((j * 7 + 1) % 17) / 16
                                                        : (j % 3 == 1 ? -kInf : 0.0);
      }
      double sum = 0;
      for (std::size_t j = 0; j < n; ++j)
        sum += kernel->op == Op::softmax_backward ? forward[j] * dy[j] : dy[j];
      const std::vector<double> got = run_row(*kernel, forward, dy);
      for (std::size_t i = 0; i < n; ++i) {
        const double exact = kernel->op == Op::softmax_backward
                                 ? forward[i] * (dy[i] - sum)
                                 : dy[i] - std::exp(forward[i]) * sum;
        INFO(kernel->name() << " n " << n << " element " << i);
        CHECK(got[i] == round_to_format(exact, f));
      }
    }
  }
}

TEST_CASE("the backward kernels follow the reference's special-value table") {
  using enum Outcome;
  const SpecialCase cases[] = {
      // softmax_backward: a NaN anywhere, inf * 0 in s, or +inf and -inf products: all NaN.
      {Op::softmax_backward, {0.5, 0.5}, {kNaN, 1}, {nan, nan}},
      {Op::softmax_backward, {kNaN, 0.5}, {1, 1}, {nan, nan}},
      {Op::softmax_backward, {0, 1}, {kInf, 1}, {nan, nan}},
      {Op::softmax_backward, {0.5, 0.5}, {kInf, -kInf}, {nan, nan}},
      // s = +inf: inf - inf at the infinite dy, -inf elsewhere (y > 0), 0 * inf at y = 0.
      {Op::softmax_backward, {0.25, 0.75, 0}, {kInf, 1, 2}, {nan, neg_inf, nan}},
      // s = -inf (y < 0 flips a sign): y (dy + inf).
      {Op::softmax_backward, {0.25, 0.75, -0.5}, {-kInf, 1, 2}, {nan, pos_inf, neg_inf}},
      // log_softmax_backward: a NaN in dy or dy with both infinities: all NaN.
      {Op::log_softmax_backward, {0, -1}, {kNaN, 1}, {nan, nan}},
      {Op::log_softmax_backward, {-1, -2}, {kInf, -kInf}, {nan, nan}},
      // A NaN log_y: only its element.
      {Op::log_softmax_backward, {kNaN, -1}, {1, 2}, {nan, finite}},
      // S = +inf: exp(-inf) * inf is NaN, a finite dy_i - inf is -inf.
      {Op::log_softmax_backward, {-kInf, -1, -2}, {kInf, 1, 2}, {nan, neg_inf, neg_inf}},
      // S = -inf: -inf - (-inf) is NaN at the infinite dy, a finite dy_i + inf is +inf.
      {Op::log_softmax_backward, {-1, -2}, {-kInf, 1}, {nan, pos_inf}},
      // exp(-1000) underflows to 0 in every accumulation format: e_i * inf is NaN (the table
      // takes e_i as the accumulation format rounds it).
      {Op::log_softmax_backward, {-1000, -1}, {1, kInf}, {nan, nan}},
      // S = 0 exactly: out = dy.
      {Op::log_softmax_backward, {-kInf, 0}, {1, -1}, {finite, finite}},
  };
  for (const Kernel* kernel : backward_kernels()) {
    for (const SpecialCase& c : cases) {
      if (c.op != kernel->op) continue;
      const std::vector<double> got = run_row(*kernel, c.forward, c.dy);
      for (std::size_t i = 0; i < got.size(); ++i) {
        INFO(kernel->name() << " case dy[0] = " << c.dy[0] << ", element " << i << " got "
                            << got[i]);
        CHECK(matches(got[i], c.expected[i]));
      }
    }
  }
}

TEST_CASE("the backward kernels touch nothing on rows = 0 or n = 0") {
  for (const Kernel* kernel : backward_kernels()) {
    INFO(kernel->name());
    std::vector<unsigned char> out(64, 0xFF);
    KernelCall call;  // every input null: nothing may be read
    call.out = out.data();
    call.rows = 0;
    call.n = 4;
    call.stride = 4;
    kernel->run(call);
    call.rows = 3;
    call.n = 0;
    kernel->run(call);
    CHECK(std::all_of(out.begin(), out.end(), [](unsigned char b) { return b == 0xFF; }));
  }
}
