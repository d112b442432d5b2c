#include "core/batch.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/op_inputs.hpp"
#include "core/rng.hpp"

namespace softcheck {

PackedBatch make_output(Format format, std::size_t rows, std::size_t n, std::size_t stride) {
  PackedBatch packed{format, rows, n, stride, {}};
  packed.bytes.resize(rows * stride * traits(format).storage_bytes);
  const double poison = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; i < rows * stride; ++i) store(format, packed.data(), i, poison);
  return packed;
}

PackedBatch pack(const Batch& batch, std::size_t stride) {
  return pack_input(batch, Input::logits, stride);
}

PackedBatch pack_input(const Batch& batch, Input input, std::size_t stride) {
  const std::vector<double>& values =
      input == Input::logits ? batch.values : batch.inputs[static_cast<std::size_t>(input)];
  if (!per_element(input) || values.size() != batch.rows * batch.n)
    throw std::logic_error("softcheck: the batch has no input '" + std::string(name(input)) + "'");
  PackedBatch packed = make_output(batch.format, batch.rows, batch.n, stride);
  for (std::size_t r = 0; r < batch.rows; ++r)
    for (std::size_t c = 0; c < batch.n; ++c)
      store(batch.format, packed.data(), r * stride + c, values[r * batch.n + c]);
  return packed;
}

void add_op_inputs(Batch& batch, Op op, std::uint64_t family_seed, std::size_t batch_index) {
  for (Input input : op.spec().inputs) {
    if (!per_element(input) || input == Input::logits) continue;
    std::vector<double>& values = batch.inputs[static_cast<std::size_t>(input)];
    if (!values.empty()) continue;
    std::uint64_t label = 0;  // the input's name as a number: streams differ per input
    for (char c : name(input)) label = label * 131 + static_cast<unsigned char>(c);
    Rng rng(derive_seed(derive_seed(family_seed, batch_index), label));
    values.reserve(batch.rows * batch.n);
    for (std::size_t r = 0; r < batch.rows; ++r) {
      const std::vector<double> row = generate_input_row(input, batch.row(r), r, batch.format, rng);
      values.insert(values.end(), row.begin(), row.end());
    }
  }
}

double packed_value(const PackedBatch& packed, std::size_t row, std::size_t column) {
  return load(packed.format, packed.data(), row * packed.stride + column);
}

RowDifference compare_packed_row(const PackedBatch& want, const PackedBatch& got, std::size_t row) {
  const std::size_t width = traits(want.format).storage_bytes;
  const auto* a = static_cast<const std::byte*>(want.data());
  const auto* b = static_cast<const std::byte*>(got.data());
  RowDifference d;
  for (std::size_t i = 0; i < want.n; ++i) {
    const std::size_t at = (row * want.stride + i) * width;
    if (std::memcmp(a + at, b + at, width) == 0) continue;
    if (d.count++ == 0) d.first = i;
  }
  return d;
}

}  // namespace softcheck
