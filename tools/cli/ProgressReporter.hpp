#pragma once
// Progress of a long command on stderr: a bar with ETA redrawn in place on a
// terminal, or a plain line every 10 % or 30 s in a log. Shared by `run` and `mc`.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

namespace hkmc::cli {

class ProgressReporter {
 public:
  explicit ProgressReporter(bool quiet)
      : m_quiet(quiet), m_tty(isatty(fileno(stderr))), m_start(std::chrono::steady_clock::now()) {}
  void operator()(double fraction) {
    if (m_quiet) return;
    const double elapsed = seconds();
    const double eta = fraction > 1e-3 ? elapsed * (1 - fraction) / fraction : NAN;
    if (m_tty) {
      const int width = 30, filled = static_cast<int>(fraction * width);
      std::fprintf(stderr, "\r[%s%s] %5.1f%%  elapsed %6.1f s  ETA %s   ",
                   std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                   100 * fraction, elapsed, std::isfinite(eta) ? fmt::format("{:.0f} s", eta).c_str() : "?");
      std::fflush(stderr);
      m_drawn = true;
    } else if (elapsed - m_last_line >= 30.0 || fraction - m_last_fraction >= 0.1) {
      std::fprintf(stderr, "progress %5.1f%% (elapsed %.0f s, ETA %s)\n", 100 * fraction, elapsed,
                   std::isfinite(eta) ? fmt::format("{:.0f} s", eta).c_str() : "?");
      m_last_line = elapsed;
      m_last_fraction = fraction;
    }
  }
  void finish() {
    if (m_drawn) std::fprintf(stderr, "\r%s\r", std::string(80, ' ').c_str());
  }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  }

 private:
  bool m_quiet, m_tty, m_drawn = false;
  std::chrono::steady_clock::time_point m_start;
  double m_last_line = 0.0, m_last_fraction = 0.0;
};

}  // namespace hkmc::cli
