#include "kernels/kernel.hpp"

namespace softcheck {

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
