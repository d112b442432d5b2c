// What several subcommands share: output files opened before a long run, kernel selection
// by glob, and progress lines on stderr.
#pragma once

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "kernels/attention_kernel.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::cli {

// The file at `path` opened for writing, or a closed stream when `path` is empty. Throws
// UsageError when it cannot be written, so a bad path fails before the run.
std::ofstream open_output(const std::string& path);

// The registered kernels matching any of `globs`, in registry order of first match, each
// once. No globs: every kernel, or with `plugins_only` every plugin kernel. Throws
// UsageError for a glob that matches nothing (with `attention_too`, nothing in either
// registry).
std::vector<const Kernel*> select_kernels(const std::vector<std::string>& globs,
                                          bool plugins_only, bool attention_too = false);
// The attention kernels (kernels/attention_kernel.hpp) matching any of `globs`, the same way;
// an empty list where none match.
std::vector<const AttentionKernel*> select_attention_kernels(const std::vector<std::string>& globs,
                                                            bool plugins_only);

// Progress lines on stderr: on a terminal each line overwrites the last and the line is
// cleared when the object goes away; otherwise one line each. Quiet: nothing.
class StderrProgress {
 public:
  explicit StderrProgress(bool quiet);
  ~StderrProgress();
  StderrProgress(const StderrProgress&) = delete;
  StderrProgress& operator=(const StderrProgress&) = delete;
  // The callback to hand to a long computation; empty when quiet.
  std::function<void(const std::string&)> callback() const;

 private:
  bool quiet_;
  bool tty_;
};

}  // namespace softcheck::cli
