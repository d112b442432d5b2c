// A batch of rows of logits, every value exactly representable in the batch's format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/format.hpp"

namespace softcheck {

struct Batch {
  Format format = Format::f32;
  std::size_t rows = 0;
  std::size_t n = 0;                   // elements per row (may be 0: empty rows)
  std::vector<double> values;          // rows * n, row-major, representable in `format`
  std::vector<std::int64_t> targets;   // one class index per row, in [0, n) when n > 0

  std::span<const double> row(std::size_t r) const { return {values.data() + r * n, n}; }
  std::span<double> row(std::size_t r) { return {values.data() + r * n, n}; }
};

// Storage-format copy of a batch for a kernel call: rows of `stride` elements (stride >= n),
// padding filled with a signalling pattern so a kernel that reads past n is noticed.
struct PackedBatch {
  Format format;
  std::size_t rows, n, stride;
  std::vector<std::byte> bytes;
  void* data() { return bytes.data(); }
  const void* data() const { return bytes.data(); }
};

PackedBatch pack(const Batch& batch, std::size_t stride);
PackedBatch make_output(Format format, std::size_t rows, std::size_t n, std::size_t stride);
double packed_value(const PackedBatch& packed, std::size_t row, std::size_t column);

}  // namespace softcheck
