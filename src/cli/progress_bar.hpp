// A progress bar on stderr for long subcommands (softcheck report): on a terminal one line
// "[#########           ] 45%  12 s  collapse: builtin/..." redrawn at most ten times a
// second and cleared at the end; otherwise (logs, CI) a plain line whenever the stage
// changes or another 10 % is done. Quiet: nothing.
#pragma once

#include <chrono>
#include <string>

namespace softcheck::cli {

// Carriage return and erase to the end of the line: redraws a terminal's progress line.
inline constexpr const char* kClearLine = "\r\033[K";

class ProgressBar {
 public:
  explicit ProgressBar(bool quiet);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // fraction of the whole job done (0..1) and what runs now ("stage: detail").
  void update(double fraction, const std::string& text);

 private:
  bool quiet_, tty_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::string last_stage_;
  int last_decile_ = -1;
  bool drawn_ = false;
};

}  // namespace softcheck::cli
