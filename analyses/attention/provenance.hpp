// What the attention drivers' reports say about where they come from: the command line as a
// shell would take it back, and the commit the binary was built from.
#pragma once

#include <string>

namespace softcheck::attention_analyses {

inline std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_./=:,+@%") == std::string::npos)
    return arg;
  std::string quoted = "'";
  for (char ch : arg) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return quoted + "'";
}

// The commit the binary was built from (git describe --dirty at configure time).
inline std::string built_from() {
  std::string commit = SOFTCHECK_COMMIT;
  const std::string dirty = "-dirty";
  if (commit.size() > dirty.size() && commit.ends_with(dirty))
    return commit.substr(0, commit.size() - dirty.size()) + " (dirty)";
  return commit;
}

}  // namespace softcheck::attention_analyses
