// The six architectures of the controller analyses, all tiny, for square grey images of side
// 8 (digits) or 28 (Fashion-MNIST), 10 classes. Input: [N, side*side] f32 in [0, 1].
//   linear       side² → 10
//   mlp          side² → hidden → 10, ReLU (hidden = 128: the LR-spike protocol's 64→128→10)
//   cnn          conv3x3(1→8) ReLU maxpool2, conv3x3(8→16) ReLU maxpool2, linear → 10
//   mlp_ln       side² → hidden, LayerNorm, ReLU → 10
//   cnn_bn       cnn with BatchNorm2d after each convolution
//   transformer  patch tokens (side 8: the 8 rows; side 28: 16 patches of 7x7), linear
//                embedding d = 32 + learned positions, one pre-LN block (2-head attention,
//                MLP 32→64→32, GELU), final LayerNorm, mean pool, linear → 10
// Weights: libtorch's default initialisation, drawn after torch::manual_seed(seed).
#pragma once

#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <vector>

namespace controller {

enum class Arch { linear, mlp, cnn, mlp_ln, cnn_bn, transformer };

inline constexpr Arch kAllArchs[] = {Arch::linear, Arch::mlp,    Arch::cnn,
                                     Arch::mlp_ln, Arch::cnn_bn, Arch::transformer};

std::string name(Arch arch);
Arch parse_arch(const std::string& text);  // throws std::invalid_argument

class Classifier : public torch::nn::Module {
 public:
  virtual at::Tensor forward(const at::Tensor& x) = 0;  // [N, side²] -> logits [N, 10]
  // Parameters and buffers (BatchNorm running statistics), to save and restore around a
  // forward in training mode that must not count (the controller's sample forward).
  std::vector<at::Tensor> buffer_copies();
  void restore_buffers(const std::vector<at::Tensor>& copies);
};

// A new model, initialised from torch's global generator (seed it first).
std::shared_ptr<Classifier> make_model(Arch arch, int side, int hidden = 128);

}  // namespace controller
