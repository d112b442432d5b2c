#include "cli/command_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/progress_bar.hpp"

namespace softcheck::cli {
namespace {

}  // namespace

std::ofstream open_output(const std::string& path) {
  std::ofstream file;
  if (path.empty()) return file;
  file.open(path);
  if (!file) throw UsageError("cannot write '" + path + "'");
  return file;
}

std::vector<const Kernel*> select_kernels(const std::vector<std::string>& globs,
                                          bool plugins_only, bool attention_too) {
  const Registry& registry = Registry::instance();
  std::vector<const Kernel*> selected;
  if (globs.empty()) {
    for (const Kernel& k : registry.all())
      if (!plugins_only || k.provider.starts_with("plugin:")) selected.push_back(&k);
    return selected;
  }
  for (const std::string& glob : globs) {
    const auto found = registry.match(glob);
    if (found.empty() && (!attention_too || AttentionRegistry::instance().match(glob).empty()))
      throw UsageError("no kernel matches '" + glob + "' (see softcheck list)");
    for (const Kernel* k : found)
      if (std::find(selected.begin(), selected.end(), k) == selected.end()) selected.push_back(k);
  }
  return selected;
}

std::vector<const AttentionKernel*> select_attention_kernels(const std::vector<std::string>& globs,
                                                            bool plugins_only) {
  const AttentionRegistry& registry = AttentionRegistry::instance();
  std::vector<const AttentionKernel*> selected;
  if (globs.empty()) {
    for (const AttentionKernel& k : registry.all())
      if (!plugins_only || k.provider.starts_with("plugin:")) selected.push_back(&k);
    return selected;
  }
  for (const std::string& glob : globs)
    for (const AttentionKernel* k : registry.match(glob))
      if (std::find(selected.begin(), selected.end(), k) == selected.end()) selected.push_back(k);
  return selected;
}

StderrProgress::StderrProgress(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0) {}

StderrProgress::~StderrProgress() {
  if (!quiet_ && tty_) std::cerr << kClearLine << std::flush;
}

std::function<void(const std::string&)> StderrProgress::callback() const {
  if (quiet_) return {};
  return [tty = tty_](const std::string& line) {
    std::cerr << (tty ? kClearLine : "") << line << (tty ? "" : "\n") << std::flush;
  };
}

}  // namespace softcheck::cli
