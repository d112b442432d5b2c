// The two image data sets of the controller analyses, read from the system's files with zlib
// (no Python): sklearn's digits (1797 8x8 images, 17 grey levels; digits.csv.gz: 64 pixel
// columns then the label) and Fashion-MNIST (28x28, idx files, gzip). Pixels are scaled to
// [0, 1]. Splits and subsets are drawn by a Fisher–Yates shuffle with softcheck::Rng(seed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace controller {

struct Images {
  std::vector<float> x;          // size() * side * side, row-major
  std::vector<std::int64_t> y;   // labels 0..9
  int side = 0;
  std::size_t size() const { return y.size(); }
};

struct Split {
  Images train, test;
  std::string name;  // "digits" or "fashion"
};

inline constexpr const char* kDigitsPath =
    "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
inline constexpr const char* kFashionDir = "/usr/share/datasets/fashion-mnist";

// digits: a seeded shuffle, the first round(test_fraction * 1797) images are the test set.
Split load_digits(std::uint64_t seed, double test_fraction = 0.2,
                  const std::string& path = kDigitsPath);
// Fashion-MNIST: seeded subsets of train_size of the 60000 training and test_size of the
// 10000 test images (0: all).
Split load_fashion(std::uint64_t seed, std::size_t train_size, std::size_t test_size,
                   const std::string& dir = kFashionDir);
// "digits" or "fashion" (fashion subsets of 10000 / 2000); throws std::invalid_argument.
Split load_named(const std::string& name, std::uint64_t seed);

// The whole gzip file, decompressed; throws std::runtime_error when unreadable.
std::string read_gzip(const std::string& path);

}  // namespace controller
