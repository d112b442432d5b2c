// PluginError: a plugin that cannot be used (missing file, dlopen failure, no entry point,
// another ABI version, a malformed kernel table). Its message is one line that names the
// file and the problem; the command line reports it and exits with status 2.
#pragma once

#include <stdexcept>
#include <string>

namespace softcheck {

class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws the PluginError "plugin 'PATH': PROBLEM".
[[noreturn]] inline void reject_plugin(const std::string& path, const std::string& problem) {
  throw PluginError("plugin '" + path + "': " + problem);
}

}  // namespace softcheck
