// The op table: what each op *is* - its name, family, inputs, outputs and parameters, and
// whether the plugin ABI and vector files carry it. Everything that lists or dispatches ops
// iterates this table or a per-layer registration keyed by it (docs/architecture.md, "Adding
// an op"); nothing above core branches on which op it is.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace softcheck {

// An op's inputs, in the order a KernelCall carries them (KernelCall::inputs). Per-element
// inputs are rows x n in the kernel's format at the call's stride; `target` is one int64 per
// row. y and log_y are the forward outputs softmax(x) and log_softmax(x) a backward kernel is
// given, dy the incoming gradient (core/op_inputs.hpp generates them).
enum class Input : std::uint8_t { logits, target, dy, q, k, v, mask, y, log_y };
inline constexpr std::size_t kInputKinds = 9;
// The name of an input in vector-file manifests and messages ("input" for the logits, as in
// docs/vectors.md).
std::string_view name(Input input);
// Whether an input holds values in the op's format (one per element) rather than indices.
constexpr bool per_element(Input input) { return input != Input::target; }

// What an op writes: one value per element (softmax), one value per row (logsumexp), a loss
// per row and its gradient per element (cross-entropy), or attention's O (Lq x d) and LSE per
// query row - the one op whose kernels are not row kernels: they are AttentionKernels
// (kernels/attention_kernel.hpp), checked by the attention gate (checks/attention_gate.hpp).
enum class Outputs : std::uint8_t { per_element, per_row, loss_and_gradient, attention };
std::string_view name(Outputs outputs);  // "per_element", "per_row", "loss_and_gradient", "attention"
constexpr bool has_element_output(Outputs o) { return o != Outputs::per_row; }
// Whether the op's kernels are row kernels (KernelCall, the kernel Registry).
constexpr bool row_kernels(Outputs o) { return o != Outputs::attention; }
constexpr bool has_loss(Outputs o) { return o == Outputs::loss_and_gradient; }

// A parameter an op's kernels carry (LossParameters) and its reference takes.
enum class Parameter : std::uint8_t { tau, a, b, temperature };
std::string_view name(Parameter parameter);

struct OpSpec {
  std::string name{};    // "softmax", as in kernel names provider/op/format/algorithm
  std::string family{};  // "softmax", "stablemax", "loss", "normaliser": ops sharing a reference
  std::vector<Input> inputs{};
  Outputs outputs = Outputs::per_element;
  std::vector<Parameter> parameters{};
  // The op's number in the plugin ABI (include/softcheck/plugin.h), or -1 when plugins
  // cannot provide it.
  int plugin_code = -1;
  bool vector_files = false;  // `softcheck vectors export/check` carry it (docs/vectors.md)

  bool takes(Input input) const;
  bool has_loss() const { return softcheck::has_loss(outputs); }
  bool has_element_output() const { return softcheck::has_element_output(outputs); }
};

// An entry of the op table. The built-in ops are the named constants; register_op adds more.
class Op {
 public:
  static const Op softmax, log_softmax, logsumexp, cross_entropy;
  // StableMax (Prieto et al. 2025): s(x) = x + 1 for x >= 0, 1 / (1 - x) for x < 0.
  static const Op stablemax, log_stablemax, stablemax_cross_entropy;
  // The parametrised losses (core/loss_parameters.hpp; src/reference/loss_family_reference.hpp).
  static const Op comp_sum, sigmoid_bce, temperature_cross_entropy, z_loss;
  // Attention normalisers used in place of softmax, and softmax(x / T).
  static const Op sigmoid_normaliser, softplus_normaliser, temperature_softmax;
  // Attention per head (core/attention.hpp).
  static const Op attention;
  // Backward ops on the forward output and the incoming gradient dy:
  // softmax_backward(y, dy) = y (dy - <y, dy>), log_softmax_backward(log_y, dy) =
  // dy - exp(log_y) sum_j dy_j (reference/backward_reference.hpp).
  static const Op softmax_backward, log_softmax_backward;

  constexpr Op() = default;  // softmax
  constexpr explicit Op(std::uint16_t index) : index_(index) {}
  constexpr std::uint16_t index() const { return index_; }
  const OpSpec& spec() const;
  constexpr auto operator<=>(const Op&) const = default;

 private:
  std::uint16_t index_ = 0;
};

inline constexpr Op Op::softmax{0}, Op::log_softmax{1}, Op::logsumexp{2}, Op::cross_entropy{3},
    Op::stablemax{4}, Op::log_stablemax{5}, Op::stablemax_cross_entropy{6}, Op::comp_sum{7},
    Op::sigmoid_bce{8}, Op::temperature_cross_entropy{9}, Op::z_loss{10},
    Op::sigmoid_normaliser{11}, Op::softplus_normaliser{12}, Op::temperature_softmax{13},
    Op::attention{14}, Op::softmax_backward{15}, Op::log_softmax_backward{16};

// Every op, built-in ones first in the order above.
const std::vector<Op>& all_ops();
// Adds an op to the table (before any kernel of it is registered); throws
// std::invalid_argument on a duplicate or empty name.
Op register_op(OpSpec spec);  // at start-up, on one thread, before kernels of the op

std::string_view name(Op op);
std::optional<Op> parse_op(std::string_view text);
// Table lookups, for code that sizes buffers or shapes results by an op's outputs.
inline bool has_loss(Op op) { return op.spec().has_loss(); }
inline bool in_family(Op op, std::string_view family) { return op.spec().family == family; }
inline bool has_row_output(Op op) { return op.spec().outputs == Outputs::per_row; }
// "softmax, log_softmax, ... or temperature_softmax", for usage messages.
std::string op_names();

}  // namespace softcheck
