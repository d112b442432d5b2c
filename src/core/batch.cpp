#include "core/batch.hpp"

#include <limits>

namespace softcheck {

PackedBatch make_output(Format format, std::size_t rows, std::size_t n, std::size_t stride) {
  PackedBatch packed{format, rows, n, stride, {}};
  packed.bytes.resize(rows * stride * traits(format).storage_bytes);
  const double poison = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; i < rows * stride; ++i) store(format, packed.data(), i, poison);
  return packed;
}

PackedBatch pack(const Batch& batch, std::size_t stride) {
  PackedBatch packed = make_output(batch.format, batch.rows, batch.n, stride);
  for (std::size_t r = 0; r < batch.rows; ++r)
    for (std::size_t c = 0; c < batch.n; ++c)
      store(batch.format, packed.data(), r * stride + c, batch.values[r * batch.n + c]);
  return packed;
}

double packed_value(const PackedBatch& packed, std::size_t row, std::size_t column) {
  return load(packed.format, packed.data(), row * packed.stride + column);
}

}  // namespace softcheck
