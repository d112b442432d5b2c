// The 64-bit FNV-1a hash that names a case's input bytes in a vector-file manifest
// ("fnv1a64:" + 16 hex digits) and finds the stored output for a kernel call's rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <charconv>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace softcheck::vectors {

inline constexpr std::uint64_t kFnvOffsetBasis = 0xCBF29CE484222325ULL;  // FNV-1a 64-bit
inline constexpr std::uint64_t kFnvPrime = 0x100000001B3ULL;

// Continue a hash over more bytes: fnv1a64(b, fnv1a64(a)) == fnv1a64(a followed by b).
inline std::uint64_t fnv1a64(std::span<const std::byte> bytes,
                             std::uint64_t state = kFnvOffsetBasis) {
  for (std::byte b : bytes) state = (state ^ std::to_integer<std::uint64_t>(b)) * kFnvPrime;
  return state;
}

inline std::string hash_text(std::uint64_t hash) {
  char text[32];
  std::snprintf(text, sizeof text, "fnv1a64:%016llx", static_cast<unsigned long long>(hash));
  return text;
}

inline constexpr std::string_view kHashPrefix = "fnv1a64:";

// hash_text of the bytes of `text` (a plan, a file's contents).
inline std::string text_hash(std::string_view text) {
  return hash_text(fnv1a64(std::as_bytes(std::span(text.data(), text.size()))));
}

inline std::optional<std::uint64_t> parse_hash_text(std::string_view text) {
  if (!text.starts_with(kHashPrefix)) return std::nullopt;
  text.remove_prefix(kHashPrefix.size());
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace softcheck::vectors
