// NumPy .npy files (format versions 1.0, 2.0 and 3.0), as far as vector files need them:
// little-endian, C-order arrays of one of the dtypes below. Anything else is rejected with a
// VectorsError naming the file and the problem (bad magic, bad header, unsupported dtype,
// Fortran order, truncated or trailing data).
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace softcheck::vectors {

// The dtypes vector files use: '<f8' (f64), '<f4' (f32), '<f2' (f16), '<u2' (bf16 bit
// patterns), '<i8' (cross-entropy targets) and '|b1' (attention's boolean masks, 0 or 1).
inline constexpr std::string_view kNpyDtypes[] = {"<f8", "<f4", "<f2", "<u2", "<i8", "|b1"};

// Bytes per element of a supported dtype; 0 for any other.
std::size_t npy_item_size(std::string_view descr);

struct NpyHeader {
  std::string descr;               // e.g. "<f4"
  std::vector<std::size_t> shape;  // () is a scalar
  std::size_t data_offset = 0;     // where the data starts in the file
  std::size_t elements() const;
};

struct NpyArray {
  NpyHeader header;
  std::vector<std::byte> data;  // elements() * item size bytes, C order
};

// Parse a whole file's bytes; `origin` (usually the path) starts every error message.
NpyArray parse_npy(std::span<const std::byte> bytes, const std::string& origin);
// Read and parse a file; `shown` is the name error messages use (default: the path).
NpyArray read_npy(const std::filesystem::path& path, const std::string& shown = {});
// Only the header, with the file size checked against it (cheap for large files).
NpyHeader read_npy_header(const std::filesystem::path& path, const std::string& shown = {});

// Throws unless the header has exactly this dtype and shape; `what` says what the file is
// ("f16 output") in the message.
void expect_npy(const NpyHeader& header, const std::string& shown, std::string_view descr,
                const std::vector<std::size_t>& shape, const std::string& what);

// Encode a version 1.0 file: header padded with spaces to a multiple of 64 bytes.
std::vector<std::byte> encode_npy(std::string_view descr, const std::vector<std::size_t>& shape,
                                  std::span<const std::byte> data);
void write_npy(const std::filesystem::path& path, std::string_view descr,
               const std::vector<std::size_t>& shape, std::span<const std::byte> data);
// write_npy to dir / relative, creating its parent directories.
void write_npy_under(const std::filesystem::path& dir, const std::string& relative,
                     std::string_view descr, const std::vector<std::size_t>& shape,
                     std::span<const std::byte> data);

// "first difference at row r, column c" between two arrays of rows of `n` items of `item`
// bytes; "no difference" when the first want.size() bytes agree.
std::string first_difference(std::span<const std::byte> got, std::span<const std::byte> want,
                             std::size_t n, std::size_t item);

std::string shape_text(const std::vector<std::size_t>& shape);  // "(3, 7)", "(3,)", "()"

}  // namespace softcheck::vectors
