// Draws numbers, flags and strings from a fuzz input, front to back; past the end it gives
// zeros and empty strings. (libFuzzer's FuzzedDataProvider does more, but is clang's own
// header: the replay tests build the targets with GCC too.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

class ByteReader {
 public:
  ByteReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  bool flag() { return (byte() & 1) != 0; }
  std::uint32_t u32() {
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value = (value << 8) | byte();
    return value;
  }
  // In [0, max] (max < 256).
  std::size_t below_or(std::size_t max) { return byte() % (max + 1); }
  // A string of up to `max` bytes (any byte values), its length drawn first.
  std::string text(std::size_t max) {
    const std::size_t length = below_or(max);
    std::string out;
    while (out.size() < length && at_ < size_) out.push_back(static_cast<char>(byte()));
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};
