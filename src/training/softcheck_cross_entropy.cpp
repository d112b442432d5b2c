#include "training/softcheck_cross_entropy.hpp"

#include <ATen/ATen.h>
#include <torch/autograd.h>

#include <map>
#include <mutex>
#include <stdexcept>

#include "kernels/kernel.hpp"

namespace softcheck::training {
namespace {

// The registry kernel called `name`, checked to be an f32 cross-entropy; looked up once.
const Kernel& find_kernel(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, Kernel> cache;  // copies: the registry's vector may grow
  const std::lock_guard<std::mutex> lock(mutex);
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  const std::vector<const Kernel*> found = registry.match(name);
  if (found.size() != 1)
    throw std::invalid_argument("softcheck_cross_entropy: no single kernel named " + name);
  const Kernel& kernel = *found.front();
  if (kernel.op != Op::cross_entropy || kernel.format != Format::f32)
    throw std::invalid_argument("softcheck_cross_entropy: " + name + " is not an f32 cross-entropy");
  return cache.emplace(name, kernel).first->second;
}

struct SoftcheckCrossEntropy : torch::autograd::Function<SoftcheckCrossEntropy> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& logits,
                            const at::Tensor& targets, const std::string& name) {
    const Kernel& kernel = find_kernel(name);
    const at::Tensor x = logits.detach().to(at::kFloat).contiguous();
    const at::Tensor t = targets.to(at::kLong).contiguous();
    if (x.dim() != 2 || t.dim() != 1 || t.size(0) != x.size(0))
      throw std::invalid_argument("softcheck_cross_entropy: logits [N, C], targets [N]");
    at::Tensor loss = at::empty({x.size(0)}, x.options());
    at::Tensor grad = at::empty_like(x);
    KernelCall call;
    call.x = x.data_ptr<float>();
    call.out = grad.data_ptr<float>();
    call.loss = loss.data_ptr<float>();
    call.target = t.data_ptr<std::int64_t>();
    call.rows = static_cast<std::size_t>(x.size(0));
    call.n = static_cast<std::size_t>(x.size(1));
    call.stride = call.n;
    kernel.run(call);
    ctx->save_for_backward({grad});
    return loss;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_out) {
    const at::Tensor grad = ctx->get_saved_variables()[0];
    return {grad * grad_out[0].unsqueeze(1), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor softcheck_cross_entropy(const at::Tensor& logits, const at::Tensor& targets,
                                   const std::string& kernel) {
  const at::Tensor loss = SoftcheckCrossEntropy::apply(logits.to(at::kFloat), targets, kernel);
  return loss;
}

}  // namespace softcheck::training
