#include "checks/element_bounds.hpp"

#include <map>
#include <stdexcept>
#include <string>

namespace softcheck {
namespace {

std::map<Op, ElementBound>& bounds() {
  static std::map<Op, ElementBound> registered;
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
