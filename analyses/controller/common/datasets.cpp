#include "common/datasets.hpp"

#include <zlib.h>

#include <numeric>
#include <sstream>
#include <stdexcept>

#include "core/rng.hpp"

namespace controller {
namespace {

// A seeded Fisher–Yates permutation of 0..n-1.
std::vector<std::size_t> permutation(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  softcheck::Rng rng(seed);
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  return order;
}

// The images of `source` at indices order[begin, end).
Images take(const Images& source, const std::vector<std::size_t>& order, std::size_t begin,
            std::size_t end) {
  Images out;
  out.side = source.side;
  const std::size_t pixels = static_cast<std::size_t>(source.side * source.side);
  for (std::size_t k = begin; k < end; ++k) {
    const std::size_t i = order[k];
    out.x.insert(out.x.end(), source.x.begin() + static_cast<std::ptrdiff_t>(i * pixels),
                 source.x.begin() + static_cast<std::ptrdiff_t>((i + 1) * pixels));
    out.y.push_back(source.y[i]);
  }
  return out;
}

std::uint32_t big_endian(const std::string& bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

// An idx3 image file and its idx1 label file.
Images read_idx(const std::string& images_path, const std::string& labels_path) {
  const std::string images = read_gzip(images_path), labels = read_gzip(labels_path);
  if (images.size() < 16 || big_endian(images, 0) != 2051 || labels.size() < 8 ||
      big_endian(labels, 0) != 2049)
    throw std::runtime_error("not an idx image/label pair: " + images_path);
  const std::size_t n = big_endian(images, 4), rows = big_endian(images, 8);
  if (big_endian(labels, 4) != n || rows != big_endian(images, 12) ||
      images.size() != 16 + n * rows * rows || labels.size() != 8 + n)
    throw std::runtime_error("idx sizes disagree: " + images_path);
  Images out;
  out.side = static_cast<int>(rows);
  out.x.resize(n * rows * rows);
  for (std::size_t i = 0; i < out.x.size(); ++i)
    out.x[i] = static_cast<float>(static_cast<unsigned char>(images[16 + i])) / 255.0f;
  for (std::size_t i = 0; i < n; ++i) out.y.push_back(static_cast<unsigned char>(labels[8 + i]));
  return out;
}

}  // namespace

std::string read_gzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw std::runtime_error("cannot open " + path);
  std::string out;
  char buffer[1 << 16];
  int got = 0;
  while ((got = gzread(file, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<std::size_t>(got));
  const bool failed = got < 0;
  gzclose(file);
  if (failed) throw std::runtime_error("gzip error reading " + path);
  return out;
}

Split load_digits(std::uint64_t seed, double test_fraction, const std::string& path) {
  std::istringstream text(read_gzip(path));
  Images all;
  all.side = 8;
  std::string line;
  while (std::getline(text, line)) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string field;
    std::vector<double> values;
    while (std::getline(fields, field, ',')) values.push_back(std::stod(field));
    if (values.size() != 65) throw std::runtime_error("digits: a row without 65 columns");
    for (int i = 0; i < 64; ++i) all.x.push_back(static_cast<float>(values[static_cast<std::size_t>(i)] / 16.0));
    all.y.push_back(static_cast<std::int64_t>(values[64]));
  }
  if (all.size() != 1797) throw std::runtime_error("digits: expected 1797 rows");
  const std::vector<std::size_t> order = permutation(all.size(), seed);
  const auto test = static_cast<std::size_t>(test_fraction * static_cast<double>(all.size()) + 0.5);
  return {take(all, order, test, all.size()), take(all, order, 0, test), "digits"};
}

Split load_fashion(std::uint64_t seed, std::size_t train_size, std::size_t test_size,
                   const std::string& dir) {
  const Images train = read_idx(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz");
  const Images test = read_idx(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz");
  const auto train_order = permutation(train.size(), softcheck::derive_seed(seed, 1));
  const auto test_order = permutation(test.size(), softcheck::derive_seed(seed, 2));
  const std::size_t n_train = train_size == 0 ? train.size() : std::min(train_size, train.size());
  const std::size_t n_test = test_size == 0 ? test.size() : std::min(test_size, test.size());
  return {take(train, train_order, 0, n_train), take(test, test_order, 0, n_test), "fashion"};
}

Split load_named(const std::string& name, std::uint64_t seed) {
  if (name == "digits") return load_digits(seed);
  if (name == "fashion") return load_fashion(seed, 10000, 2000);
  throw std::invalid_argument("unknown data set " + name + " (digits or fashion)");
}

}  // namespace controller
