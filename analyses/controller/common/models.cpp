#include "common/models.hpp"

#include <torch/nn.h>

#include <cmath>
#include <stdexcept>

namespace controller {
namespace {

namespace nn = torch::nn;

class LinearModel : public Classifier {
 public:
  explicit LinearModel(int side) : fc_(register_module("fc", nn::Linear(side * side, 10))) {}
  at::Tensor forward(const at::Tensor& x) override { return fc_(x); }

 private:
  nn::Linear fc_;
};

class MlpModel : public Classifier {
 public:
  MlpModel(int side, int hidden, bool layer_norm)
      : fc1_(register_module("fc1", nn::Linear(side * side, hidden))),
        fc2_(register_module("fc2", nn::Linear(hidden, 10))) {
    if (layer_norm) ln_ = register_module("ln", nn::LayerNorm(nn::LayerNormOptions({hidden})));
  }
  at::Tensor forward(const at::Tensor& x) override {
    at::Tensor h = fc1_(x);
    if (ln_) h = ln_(h);
    return fc2_(torch::relu(h));
  }

 private:
  nn::Linear fc1_, fc2_;
  nn::LayerNorm ln_{nullptr};
};

class CnnModel : public Classifier {
 public:
  CnnModel(int side, bool batch_norm)
      : side_(side),
        conv1_(register_module("conv1", nn::Conv2d(nn::Conv2dOptions(1, 8, 3).padding(1)))),
        conv2_(register_module("conv2", nn::Conv2d(nn::Conv2dOptions(8, 16, 3).padding(1)))),
        fc_(register_module("fc", nn::Linear(16 * (side / 4) * (side / 4), 10))) {
    if (batch_norm) {
      bn1_ = register_module("bn1", nn::BatchNorm2d(8));
      bn2_ = register_module("bn2", nn::BatchNorm2d(16));
    }
  }
  at::Tensor forward(const at::Tensor& x) override {
    at::Tensor h = conv1_(x.view({-1, 1, side_, side_}));
    if (bn1_) h = bn1_(h);
    h = torch::max_pool2d(torch::relu(h), 2);
    h = conv2_(h);
    if (bn2_) h = bn2_(h);
    h = torch::max_pool2d(torch::relu(h), 2);
    return fc_(h.flatten(1));
  }

 private:
  int side_;
  nn::Conv2d conv1_, conv2_;
  nn::Linear fc_;
  nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
};

class TransformerModel : public Classifier {
 public:
  static constexpr int kDim = 32, kHeads = 2, kMlp = 64;
  explicit TransformerModel(int side)
      : side_(side),
        patch_(side == 8 ? 1 : 7),
        tokens_(side == 8 ? 8 : (side / 7) * (side / 7)),
        token_size_(side == 8 ? 8 : 49),
        embed_(register_module("embed", nn::Linear(token_size_, kDim))),
        position_(register_parameter("position", torch::randn({tokens_, kDim}) * 0.02)),
        ln1_(register_module("ln1", nn::LayerNorm(nn::LayerNormOptions({kDim})))),
        qkv_(register_module("qkv", nn::Linear(kDim, 3 * kDim))),
        proj_(register_module("proj", nn::Linear(kDim, kDim))),
        ln2_(register_module("ln2", nn::LayerNorm(nn::LayerNormOptions({kDim})))),
        mlp1_(register_module("mlp1", nn::Linear(kDim, kMlp))),
        mlp2_(register_module("mlp2", nn::Linear(kMlp, kDim))),
        ln_out_(register_module("ln_out", nn::LayerNorm(nn::LayerNormOptions({kDim})))),
        head_(register_module("head", nn::Linear(kDim, 10))) {
    if (side != 8 && side % 7 != 0) throw std::invalid_argument("transformer: side 8 or 7k");
  }

  at::Tensor forward(const at::Tensor& x) override {
    const std::int64_t n = x.size(0);
    at::Tensor t;
    if (side_ == 8) {
      t = x.view({n, 8, 8});  // the 8 rows are the tokens
    } else {  // 7x7 patches: [N, s/7, 7, s/7, 7] -> [N, tokens, 49]
      const int k = side_ / patch_;
      t = x.view({n, k, patch_, k, patch_}).permute({0, 1, 3, 2, 4}).reshape({n, tokens_, token_size_});
    }
    at::Tensor h = embed_(t) + position_;
    h = h + attention(ln1_(h));
    h = h + mlp2_(torch::gelu(mlp1_(ln2_(h))));
    return head_(ln_out_(h).mean(1));
  }

 private:
  at::Tensor attention(const at::Tensor& h) {
    const std::int64_t n = h.size(0), l = h.size(1), dh = kDim / kHeads;
    const std::vector<at::Tensor> qkv = qkv_(h).view({n, l, 3, kHeads, dh}).permute({2, 0, 3, 1, 4}).unbind(0);
    const at::Tensor scores = torch::matmul(qkv[0], qkv[1].transpose(-2, -1)) / std::sqrt(static_cast<double>(dh));
    const at::Tensor out = torch::matmul(torch::softmax(scores, -1), qkv[2]);  // [N, H, L, dh]
    return proj_(out.transpose(1, 2).reshape({n, l, kDim}));
  }

  int side_, patch_, tokens_, token_size_;
  nn::Linear embed_;
  at::Tensor position_;
  nn::LayerNorm ln1_;
  nn::Linear qkv_, proj_;
  nn::LayerNorm ln2_;
  nn::Linear mlp1_, mlp2_;
  nn::LayerNorm ln_out_;
  nn::Linear head_;
};

}  // namespace

std::string name(Arch arch) {
  switch (arch) {
    case Arch::linear: return "linear";
    case Arch::mlp: return "mlp";
    case Arch::cnn: return "cnn";
    case Arch::mlp_ln: return "mlp_ln";
    case Arch::cnn_bn: return "cnn_bn";
    case Arch::transformer: return "transformer";
  }
  return "?";
}

Arch parse_arch(const std::string& text) {
  for (Arch arch : kAllArchs)
    if (name(arch) == text) return arch;
  throw std::invalid_argument("unknown architecture " + text +
                              " (linear, mlp, cnn, mlp_ln, cnn_bn, transformer)");
}

std::vector<at::Tensor> Classifier::buffer_copies() {
  std::vector<at::Tensor> out;
  for (const at::Tensor& b : buffers()) out.push_back(b.detach().clone());
  return out;
}

void Classifier::restore_buffers(const std::vector<at::Tensor>& copies) {
  torch::NoGradGuard no_grad;
  const std::vector<at::Tensor> current = buffers();
  for (std::size_t i = 0; i < current.size(); ++i) current[i].detach().copy_(copies[i]);
}

std::shared_ptr<Classifier> make_model(Arch arch, int side, int hidden) {
  switch (arch) {
    case Arch::linear: return std::make_shared<LinearModel>(side);
    case Arch::mlp: return std::make_shared<MlpModel>(side, hidden, false);
    case Arch::cnn: return std::make_shared<CnnModel>(side, false);
    case Arch::mlp_ln: return std::make_shared<MlpModel>(side, hidden, true);
    case Arch::cnn_bn: return std::make_shared<CnnModel>(side, true);
    case Arch::transformer: return std::make_shared<TransformerModel>(side);
  }
  throw std::invalid_argument("make_model: bad architecture");
}

}  // namespace controller
