// Numbers for distinct exact values, 0, 1, 2, ... in the order first met: an open-addressing
// hash map on their bits, without an allocation per value (the gate numbers millions). The
// rounding-bias check (rounding_bias.hpp) counts each distinct exact value once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "reference/reference.hpp"

namespace softcheck {

// No number: a new value met once the map holds its limit.
inline constexpr std::uint32_t kUnnumbered = 0xFFFFFFFEu;

class ExactValueNumbers {
 public:
  ExactValueNumbers() { clear(); }
  // The number of a finite exact value, added when new while size() < limit (else
  // kUnnumbered). Values are told apart by exact_hi (the exact value rounded to double, which
  // every reference path gives bit for bit) and exact_lo on a grid of `quantum` (kDistinctUlps
  // ulp of the format: the paths' remainders agree only to 2^-80 relative, far finer than
  // that grid).
  std::uint32_t number(const reference::Exact& exact, double quantum, std::size_t limit);
  std::size_t size() const { return size_; }
  // Room for `values` numbered values in all (at most `limit`) without growing step by step.
  void reserve(std::size_t values, std::size_t limit);
  void clear();

 private:
  using Key = std::pair<std::uint64_t, std::uint64_t>;
  // A value's key and number side by side: a lookup reads one place in a table far larger
  // than the cache.
  struct Slot {
    Key key;
    std::uint32_t number;
  };
  std::size_t slot_of(const Key& key) const;  // its slot, or the empty slot where it goes
  void rehash(std::size_t slots);
  std::vector<Slot> slots_;  // a power of two, at most half full
  std::size_t size_ = 0;
};

}  // namespace softcheck
