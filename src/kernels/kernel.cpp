#include "kernels/kernel.hpp"

#include <iterator>

namespace softcheck {

std::string_view name(Op op) {
  switch (op) {
    case Op::softmax: return "softmax";
    case Op::log_softmax: return "log_softmax";
    case Op::logsumexp: return "logsumexp";
    case Op::cross_entropy: return "cross_entropy";
    case Op::stablemax: return "stablemax";
    case Op::log_stablemax: return "log_stablemax";
    case Op::stablemax_cross_entropy: return "stablemax_cross_entropy";
    case Op::comp_sum: return "comp_sum";
    case Op::sigmoid_bce: return "sigmoid_bce";
    case Op::temperature_cross_entropy: return "temperature_cross_entropy";
    case Op::z_loss: return "z_loss";
    case Op::sigmoid_normaliser: return "sigmoid_normaliser";
    case Op::softplus_normaliser: return "softplus_normaliser";
    case Op::temperature_softmax: return "temperature_softmax";
  }
  return "?";
}

std::optional<Op> parse_op(std::string_view text) {
  for (Op op : kAllOps)
    if (name(op) == text) return op;
  return std::nullopt;
}

std::string op_names() {
  std::string text;
  const std::size_t count = std::size(kAllOps);
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) text += i + 1 == count ? " or " : ", ";
    text += name(kAllOps[i]);
  }
  return text;
}

std::string Kernel::name() const {
  return provider + "/" + std::string(softcheck::name(op)) + "/" +
         std::string(softcheck::name(format)) + "/" + algorithm;
}

Registry& Registry::instance() {
  static Registry registry;
  return registry;
}

void Registry::add(Kernel kernel) { kernels_.push_back(std::move(kernel)); }

std::vector<const Kernel*> Registry::match(std::string_view glob) const {
  std::vector<const Kernel*> found;
  for (const Kernel& kernel : kernels_)
    if (glob_match(glob, kernel.name())) found.push_back(&kernel);
  return found;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p, ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++, resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1, t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace softcheck
