#include "blend/blendctl/progress.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace blend::blendctl {

std::string FormatProgressLine(const ProgressSnapshot& s, bool bar) {
  double seconds = absl::ToDoubleSeconds(s.elapsed);
  // The rate counts answered rows: the reader runs ahead of the server by a flow-control window.
  double answered = static_cast<double>(s.accepted + s.rejected);
  double rate = seconds > 0 ? answered / seconds : 0;
  if (!bar) {
    std::string line = absl::StrFormat("start-many: %d rows, %.0f rows/s, accepted %d, rejected %d",
                                       s.rows, rate, s.accepted, s.rejected);
    if (s.fraction >= 0) absl::StrAppendFormat(&line, ", %.0f%% of the file", s.fraction * 100);
    return line;
  }
  constexpr int kWidth = 24;
  double fraction = std::clamp(s.fraction, 0.0, 1.0);
  int filled = static_cast<int>(fraction * kWidth);
  std::string drawn = s.fraction < 0 ? std::string(kWidth, '?')
                                     : std::string(filled, '#') + std::string(kWidth - filled, '-');
  return absl::StrFormat("[%s] %3.0f%%  %d rows  %.0f rows/s  accepted %d  rejected %d", drawn,
                         fraction * 100, s.rows, rate, s.accepted, s.rejected);
}

ProgressReporter::ProgressReporter(const ProgressCounters& counters,
                                   std::function<double()> fraction, std::ostream& err, bool tty)
    : counters_(counters),
      fraction_(std::move(fraction)),
      err_(err),
      tty_(tty),
      start_(absl::Now()),
      thread_([this] { Run(); }) {}

ProgressReporter::~ProgressReporter() { Stop(); }

void ProgressReporter::Stop() {
  if (!thread_.joinable()) return;
  stop_.Notify();
  thread_.join();
}

ProgressSnapshot ProgressReporter::Snapshot() const {
  ProgressSnapshot s;
  s.rows = counters_.rows.load();
  s.accepted = counters_.accepted.load();
  s.rejected = counters_.rejected.load();
  s.elapsed = absl::Now() - start_;
  s.fraction = fraction_();
  return s;
}

void ProgressReporter::Run() {
  const absl::Duration interval = tty_ ? absl::Milliseconds(200) : absl::Seconds(2);
  while (!stop_.WaitForNotificationWithTimeout(interval)) {
    if (tty_) {
      // \r + erase-line: redraw in place.
      err_ << "\r\033[K" << FormatProgressLine(Snapshot(), true) << std::flush;
    } else {
      err_ << FormatProgressLine(Snapshot(), false) << std::endl;
    }
  }
  if (tty_) err_ << "\r\033[K" << FormatProgressLine(Snapshot(), true) << std::endl;
}

}  // namespace blend::blendctl
