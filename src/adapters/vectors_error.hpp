// The error type of the vector-file adapter: a missing or malformed manifest or .npy file, an
// input file that does not match the suite, a missing output. Its message is one line that
// names the file and the problem; the CLI prints it and exits with code 2.
#pragma once

#include <stdexcept>
#include <string>

namespace softcheck::vectors {

class VectorsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail_vectors(const std::string& message) { throw VectorsError(message); }

}  // namespace softcheck::vectors
