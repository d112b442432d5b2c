#include "cli/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace softcheck::cli {
namespace {

constexpr int kWidth = 30;

}  // namespace

ProgressBar::ProgressBar(bool quiet)
    : quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  if (!quiet_ && tty_ && drawn_) std::cerr << kClearLine << std::flush;
}

void ProgressBar::update(double fraction, const std::string& text) {
  if (quiet_) return;
  fraction = std::clamp(fraction, 0.0, 1.0);
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const int percent = static_cast<int>(fraction * 100);
  const std::string stage = text.substr(0, text.find(':'));
  char head[96];
  if (tty_) {
    if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    const int filled = static_cast<int>(fraction * kWidth);
    std::snprintf(head, sizeof head, "[%s%s] %3d%% %4.0f s  ", std::string(filled, '#').c_str(),
                  std::string(kWidth - filled, ' ').c_str(), percent, elapsed);
    std::string line = head + text;
    if (line.size() > 110) line.resize(110);
    std::cerr << kClearLine << line << std::flush;
    drawn_ = true;
    last_draw_ = now;
    return;
  }
  if (stage == last_stage_ && percent / 10 == last_decile_) return;
  last_stage_ = stage;
  last_decile_ = percent / 10;
  std::snprintf(head, sizeof head, "report: %3d%% %4.0f s  ", percent, elapsed);
  std::cerr << head << text << "\n" << std::flush;
}

}  // namespace softcheck::cli
