// Reading and writing .npy files (see vectors_npy.hpp). The header is a Python dict literal,
// e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 7), }; a small parser reads the
// three keys and nothing else.
#include "adapters/vectors_npy.hpp"

#include <bit>
#include <cctype>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>

#include "adapters/vectors_error.hpp"

namespace softcheck::vectors {
namespace {

static_assert(std::endian::native == std::endian::little, "vector files are little-endian");

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicBytes = 6;
constexpr std::size_t kPreambleV1 = 10;  // magic, 2 version bytes, uint16 header length
constexpr std::size_t kPreambleV2 = 12;  // magic, 2 version bytes, uint32 header length
constexpr std::size_t kHeaderAlignment = 64;  // numpy aligns the data to 64 bytes
// Headers beyond this are not ones numpy writes for plain arrays; refuse them early.
constexpr std::size_t kMaxHeaderBytes = 1 << 20;

[[noreturn]] void fail(const std::string& origin, const std::string& problem) {
  throw VectorsError(origin + ": " + problem);
}

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 40)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  return out + (text.size() > 40 ? "..." : "");
}

// The header dict: {'key': value, ...} with string, True/False and int-tuple values.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& origin) : text_(text), origin_(origin) {}

  NpyHeader parse() {
    std::optional<std::string> descr;
    std::optional<bool> fortran;
    std::optional<std::vector<std::size_t>> shape;
    expect('{');
    while (!peek('}')) {
      const std::string key = string_literal();
      expect(':');
      if (key == "descr") {
        if (peek('[')) bad("structured dtypes are not supported");
        descr = string_literal();
      } else if (key == "fortran_order") {
        fortran = boolean();
      } else if (key == "shape") {
        shape = tuple();
      } else {
        bad("unexpected key '" + printable(key) + "'");
      }
      if (!peek('}')) expect(',');
    }
    expect('}');
    skip_space();
    if (pos_ != text_.size()) bad("text after the closing brace");
    if (!descr) bad("no 'descr'");
    if (!fortran) bad("no 'fortran_order'");
    if (!shape) bad("no 'shape'");
    if (*fortran) fail(origin_, "Fortran-order arrays are not supported (write C order)");
    return {*descr, *shape, 0};
  }

 private:
  [[noreturn]] void bad(const std::string& what) { fail(origin_, "malformed .npy header: " + what); }

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool peek(char c) {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  void expect(char c) {
    if (!peek(c)) bad(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string string_literal() {
    skip_space();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"'))
      bad("expected a quoted string");
    const char quote = text_[pos_++];
    const std::size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) bad("unterminated string");
    std::string value(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return value;
  }
  bool boolean() {
    skip_space();
    for (auto [word, value] : {std::pair{"True", true}, std::pair{"False", false}})
      if (text_.substr(pos_, std::strlen(word)) == word) {
        pos_ += std::strlen(word);
        return value;
      }
    bad("expected True or False");
  }
  std::size_t integer() {
    skip_space();
    std::size_t value = 0, digits = 0;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      const std::size_t digit = static_cast<std::size_t>(text_[pos_++] - '0');
      if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) bad("dimension too large");
      value = value * 10 + digit, ++digits;
    }
    if (digits == 0) bad("expected a non-negative integer in 'shape'");
    if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 long suffix
    return value;
  }
  std::vector<std::size_t> tuple() {
    std::vector<std::size_t> dims;
    expect('(');
    while (!peek(')')) {
      dims.push_back(integer());
      if (!peek(')')) expect(',');
    }
    expect(')');
    return dims;
  }

  std::string_view text_;
  const std::string& origin_;
  std::size_t pos_ = 0;
};

std::uint32_t little_endian(const std::byte* bytes, std::size_t count) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < count; ++i) value |= std::to_integer<std::uint32_t>(bytes[i]) << (8 * i);
  return value;
}

// Parses the preamble and header from the first bytes of a file of `file_size` bytes.
NpyHeader parse_header(std::span<const std::byte> bytes, std::size_t file_size,
                       const std::string& origin) {
  if (bytes.size() < kPreambleV1 || std::memcmp(bytes.data(), kMagic, kMagicBytes) != 0)
    fail(origin, "not a .npy file (bad magic; expected \\x93NUMPY)");
  const int major = std::to_integer<int>(bytes[6]);
  if (major < 1 || major > 3)
    fail(origin, "unsupported .npy version " + std::to_string(major) + "." +
                     std::to_string(std::to_integer<int>(bytes[7])));
  const std::size_t preamble = major == 1 ? kPreambleV1 : kPreambleV2;
  if (bytes.size() < preamble) fail(origin, "truncated .npy preamble");
  const std::size_t header_bytes = little_endian(bytes.data() + 8, preamble - 8);
  if (header_bytes > kMaxHeaderBytes) fail(origin, "malformed .npy header: length too large");
  if (preamble + header_bytes > bytes.size())
    fail(origin, "truncated .npy header (" + std::to_string(header_bytes) + " bytes announced)");
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + preamble), header_bytes);
  NpyHeader header = HeaderParser(text, origin).parse();
  header.data_offset = preamble + header_bytes;
  const std::size_t item = npy_item_size(header.descr);
  if (item == 0)
    fail(origin, "unsupported dtype '" + printable(header.descr) +
                     "' (expected '<f8', '<f4', '<f2', '<u2', '<i8' or '|b1')");
  std::size_t elements = 1;
  for (std::size_t d : header.shape) {
    if (d != 0 && elements > std::numeric_limits<std::size_t>::max() / item / d)
      fail(origin, "shape " + shape_text(header.shape) + " too large");
    elements *= d;
  }
  const std::size_t want = header.data_offset + elements * item;
  if (file_size < want)
    fail(origin, "truncated data: shape " + shape_text(header.shape) + " needs " +
                     std::to_string(elements * item) + " bytes, the file has " +
                     std::to_string(file_size - header.data_offset));
  if (file_size > want)
    fail(origin, std::to_string(file_size - want) + " bytes after the data of shape " +
                     shape_text(header.shape));
  return header;
}

std::string shown_name(const std::filesystem::path& path, const std::string& shown) {
  return shown.empty() ? path.string() : shown;
}

std::ifstream open_binary(const std::filesystem::path& path, const std::string& shown) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) fail(shown, "no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(shown, "cannot open");
  return in;
}

}  // namespace

std::size_t npy_item_size(std::string_view descr) {
  if (descr == "<f8" || descr == "<i8") return 8;
  if (descr == "<f4") return 4;
  if (descr == "<f2" || descr == "<u2") return 2;
  if (descr == "|b1") return 1;
  return 0;
}

std::size_t NpyHeader::elements() const {
  std::size_t count = 1;
  for (std::size_t d : shape) count *= d;
  return count;
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

NpyArray parse_npy(std::span<const std::byte> bytes, const std::string& origin) {
  NpyArray array;
  array.header = parse_header(bytes, bytes.size(), origin);
  array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(array.header.data_offset), bytes.end());
  return array;
}

NpyArray read_npy(const std::filesystem::path& path, const std::string& shown) {
  const std::string origin = shown_name(path, shown);
  std::ifstream in = open_binary(path, origin);
  std::vector<std::byte> bytes(std::filesystem::file_size(path));
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())))
    fail(origin, "read error");
  return parse_npy(bytes, origin);
}

NpyHeader read_npy_header(const std::filesystem::path& path, const std::string& shown) {
  const std::string origin = shown_name(path, shown);
  std::ifstream in = open_binary(path, origin);
  const std::size_t file_size = std::filesystem::file_size(path);
  std::vector<std::byte> bytes(std::min(file_size, kPreambleV2));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  // Read exactly the announced header (bounded), then parse with the true file size.
  if (bytes.size() >= kPreambleV1 && std::memcmp(bytes.data(), kMagic, kMagicBytes) == 0) {
    const std::size_t preamble = std::to_integer<int>(bytes[6]) == 1 ? kPreambleV1 : kPreambleV2;
    const std::size_t header_bytes =
        bytes.size() >= preamble ? little_endian(bytes.data() + 8, preamble - 8) : 0;
    const std::size_t wanted = std::min(file_size, preamble + std::min(header_bytes, kMaxHeaderBytes + 1));
    bytes.resize(wanted);
    in.seekg(0);
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  return parse_header(bytes, file_size, origin);
}

void expect_npy(const NpyHeader& header, const std::string& shown, std::string_view descr,
                const std::vector<std::size_t>& shape, const std::string& what) {
  if (header.descr != descr)
    fail(shown, "dtype '" + header.descr + "', expected '" + std::string(descr) + "' (" + what + ")");
  if (header.shape != shape)
    fail(shown, "shape " + shape_text(header.shape) + ", expected " + shape_text(shape) + " (" +
                    what + ")");
}

std::vector<std::byte> encode_npy(std::string_view descr, const std::vector<std::size_t>& shape,
                                  std::span<const std::byte> data) {
  std::string header = "{'descr': '" + std::string(descr) +
                       "', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  const std::size_t unpadded = kPreambleV1 + header.size() + 1;  // + the final newline
  header.append((kHeaderAlignment - unpadded % kHeaderAlignment) % kHeaderAlignment, ' ');
  header += '\n';
  std::vector<std::byte> bytes;
  bytes.reserve(kPreambleV1 + header.size() + data.size());
  for (std::size_t i = 0; i < kMagicBytes; ++i) bytes.push_back(static_cast<std::byte>(kMagic[i]));
  bytes.push_back(std::byte{1});  // version 1.0
  bytes.push_back(std::byte{0});
  bytes.push_back(static_cast<std::byte>(header.size() & 0xFF));
  bytes.push_back(static_cast<std::byte>(header.size() >> 8));
  for (char c : header) bytes.push_back(static_cast<std::byte>(c));
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

void write_npy(const std::filesystem::path& path, std::string_view descr,
               const std::vector<std::size_t>& shape, std::span<const std::byte> data) {
  const std::vector<std::byte> bytes = encode_npy(descr, shape, data);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail(path.string(), "cannot write");
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) fail(path.string(), "write error");
}

void write_npy_under(const std::filesystem::path& dir, const std::string& relative,
                     std::string_view descr, const std::vector<std::size_t>& shape,
                     std::span<const std::byte> data) {
  std::error_code error;
  std::filesystem::create_directories((dir / relative).parent_path(), error);
  if (error) throw VectorsError((dir / relative).parent_path().string() + ": cannot create");
  write_npy(dir / relative, descr, shape, data);
}

std::string first_difference(std::span<const std::byte> got, std::span<const std::byte> want,
                             std::size_t n, std::size_t item) {
  for (std::size_t i = 0; i + item <= want.size(); i += item)
    if (std::memcmp(got.data() + i, want.data() + i, item) != 0) {
      const std::size_t element = i / item;
      return "first difference at row " + std::to_string(element / n) + ", column " +
             std::to_string(element % n);
    }
  return "no difference";
}

}  // namespace softcheck::vectors
