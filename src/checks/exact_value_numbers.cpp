// Numbers for distinct exact values: see exact_value_numbers.hpp.
#include "checks/exact_value_numbers.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace softcheck {
namespace {

// The slots of an empty map; it doubles when half full.
constexpr std::size_t kInitialSlots = 1024;
// The key of an empty slot: a NaN's bits, which no numbered (finite) exact value has.
constexpr std::pair<std::uint64_t, std::uint64_t> kEmptySlot{0x7FF8000000000001ull, 0};

}  // namespace

std::uint32_t ExactValueNumbers::number(const reference::Exact& exact, double quantum,
                                        std::size_t limit) {
  const double lo = std::round(exact.exact_lo / quantum) + 0.0;  // -0 and +0 alike
  const Key key{std::bit_cast<std::uint64_t>(exact.exact_hi), std::bit_cast<std::uint64_t>(lo)};
  Slot& slot = slots_[slot_of(key)];
  if (slot.key == key) return slot.number;
  if (size_ >= limit) return kUnnumbered;
  const auto number = static_cast<std::uint32_t>(size_);
  slot = {key, number};
  if (++size_ * 2 > slots_.size()) rehash(slots_.size() * 2);
  return number;
}

void ExactValueNumbers::reserve(std::size_t values, std::size_t limit) {
  const std::size_t slots = std::bit_ceil(2 * std::min(values, limit));  // at most half full
  if (slots > slots_.size()) rehash(slots);
}

void ExactValueNumbers::clear() {
  slots_ = std::vector<Slot>(kInitialSlots, Slot{kEmptySlot, 0});  // releases a grown table
  size_ = 0;
}

std::size_t ExactValueNumbers::slot_of(const Key& key) const {
  // splitmix64's multiplier mixes the low significand bits, where nearby values differ; the
  // top bits of the product pick the slot.
  constexpr std::uint64_t kMix = 0x9E3779B97F4A7C15ull;
  const int shift = 64 - std::countr_zero(slots_.size());
  const std::size_t mask = slots_.size() - 1;
  std::size_t slot =
      static_cast<std::size_t>(((key.first ^ std::rotl(key.second, 29)) * kMix) >> shift);
  while (slots_[slot].key != key && slots_[slot].key != kEmptySlot) slot = (slot + 1) & mask;
  return slot;
}

void ExactValueNumbers::rehash(std::size_t slots) {
  std::vector<Slot> old_slots(slots, Slot{kEmptySlot, 0});
  old_slots.swap(slots_);
  for (const Slot& old : old_slots)
    if (old.key != kEmptySlot) slots_[slot_of(old.key)] = old;
}

}  // namespace softcheck
