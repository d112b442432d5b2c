// PluginError: a plugin that cannot be used (missing file, dlopen failure, no entry point,
// another ABI version, a malformed kernel table). Its message is one line that names the
// file and the problem; the command line reports it and exits with status 2.
#pragma once

#include <stdexcept>

namespace softcheck {

class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace softcheck
