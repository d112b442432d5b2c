#include "kernels/attention_kernel.hpp"

#include <cmath>
#include <stdexcept>

#include "kernels/kernel.hpp"

namespace softcheck {

std::string AttentionKernel::name() const {
  return provider + "/attention/" + std::string(softcheck::name(formats.storage)) + "/" + algorithm;
}

AttentionRegistry& AttentionRegistry::instance() {
  static AttentionRegistry registry;
  return registry;
}

void AttentionRegistry::add(AttentionKernel kernel) {
  const std::string name = kernel.name();
  for (const AttentionKernel& existing : kernels_)
    if (existing.name() == name) throw std::invalid_argument("duplicate attention kernel " + name);
  kernels_.push_back(std::move(kernel));
}

std::vector<const AttentionKernel*> AttentionRegistry::match(std::string_view glob) const {
  std::vector<const AttentionKernel*> found;
  for (const AttentionKernel& k : kernels_)
    if (glob_match(glob, k.name())) found.push_back(&k);
  return found;
}

namespace {

std::vector<unsigned char> encode(const std::vector<double>& values, Format format) {
  std::vector<unsigned char> bytes(values.size() * traits(format).storage_bytes);
  for (std::size_t i = 0; i < values.size(); ++i) store(format, bytes.data(), i, values[i]);
  return bytes;
}

}  // namespace

AttentionBuffers::AttentionBuffers(const AttentionCase& c, bool with_lse)
    : case_(&c),
      q_(encode(c.q, c.format)),
      k_(encode(c.k, c.format)),
      v_(encode(c.v, c.format)),
      bias_(encode(c.bias, c.format)),
      out_(c.shape.lq * c.shape.d * traits(c.format).storage_bytes),
      lse_(with_lse ? c.shape.lq : 0, std::nan("")),
      with_lse_(with_lse) {}

AttentionCall AttentionBuffers::call() const {
  const AttentionCase& c = *case_;
  AttentionCall call;
  call.shape = c.shape;
  call.q = q_.data();
  call.k = k_.data();
  call.v = v_.data();
  call.mask = c.mask;
  if (c.bias.empty())
    call.keep = c.keep.data();
  else
    call.bias = bias_.data();
  call.scale = c.scale();
  call.softcap = c.parameters.softcap;
  call.out = out_.data();
  call.lse = with_lse_ ? lse_.data() : nullptr;
  return call;
}

std::vector<double> AttentionBuffers::out() const {
  const std::size_t count = case_->shape.lq * case_->shape.d;
  std::vector<double> values(count);
  for (std::size_t i = 0; i < count; ++i) values[i] = load(case_->format, out_.data(), i);
  return values;
}

void AttentionBuffers::clear_outputs(double fill) {
  const std::size_t count = case_->shape.lq * case_->shape.d;
  for (std::size_t i = 0; i < count; ++i) store(case_->format, out_.data(), i, fill);
  for (double& x : lse_) x = fill;
}

}  // namespace softcheck

namespace softcheck {

std::string_view name(MaskedRowOutput output) {
  switch (output) {
    case MaskedRowOutput::nan: return "nan";
    case MaskedRowOutput::zero: return "zero";
    case MaskedRowOutput::uniform: return "uniform";
  }
  return "?";
}

}  // namespace softcheck
