// A batch of rows of logits, every value exactly representable in the batch's format.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/format.hpp"
#include "core/op.hpp"

namespace softcheck {

struct Batch {
  Format format = Format::f32;
  std::size_t rows = 0;
  std::size_t n = 0;                   // elements per row (may be 0: empty rows)
  std::vector<double> values;          // rows * n, row-major, representable in `format`
  std::vector<std::int64_t> targets;   // one class index per row, in [0, n) when n > 0
  // The per-element inputs besides the logits (y, log_y, dy, ...) of the ops that take them,
  // rows * n each, by Input; empty until add_op_inputs fills them.
  std::array<std::vector<double>, kInputKinds> inputs;

  std::span<const double> row(std::size_t r) const { return {values.data() + r * n, n}; }
  std::span<double> row(std::size_t r) { return {values.data() + r * n, n}; }
  // Row r of a per-element input (the logits for Input::logits).
  std::span<const double> input_row(Input input, std::size_t r) const {
    if (input == Input::logits) return row(r);
    return {inputs[static_cast<std::size_t>(input)].data() + r * n, n};
  }
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

PackedBatch pack(const Batch& batch, std::size_t stride);  // the logits
// A per-element input of the batch (add_op_inputs filled it); throws std::logic_error if absent.
PackedBatch pack_input(const Batch& batch, Input input, std::size_t stride);
// Fills every per-element input that `op` takes besides the logits and the batch lacks, row
// by row as core/op_inputs.hpp generates it (y and log_y from the logits; dy in five styles;
// others uniform in [-1, 1)), from a stream seeded by the family's seed, the batch's index in
// the family and the input's name, so the gate and the vector files regenerate the same
// inputs from the printed seed.
void add_op_inputs(Batch& batch, Op op, std::uint64_t family_seed, std::size_t batch_index);
PackedBatch make_output(Format format, std::size_t rows, std::size_t n, std::size_t stride);
double packed_value(const PackedBatch& packed, std::size_t row, std::size_t column);

// Where row `row` of `got` differs bit for bit (NaN payloads included) from the same row of
// `want` (same format and stride): how many of want.n values differ, and the first column.
struct RowDifference {
  std::size_t count = 0, first = 0;
};
RowDifference compare_packed_row(const PackedBatch& want, const PackedBatch& got, std::size_t row);

}  // namespace softcheck
