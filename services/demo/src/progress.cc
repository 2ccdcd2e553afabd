#include "blend/demo/progress.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "blend/demo/prom_text.h"
#include "blend/demo/sim_admin.h"
#include "nlohmann/json.hpp"

namespace blend::demo {
namespace {

std::vector<Sample> Scrape(const std::string& url) {
  auto body = HttpGet(url, absl::Seconds(2));
  return body.ok() ? ParsePrometheusText(*body) : std::vector<Sample>{};
}

// "Sms 120, DayToPay 640" for the states that hold journeys, largest first.
std::string States(const std::vector<Sample>& orchestrator) {
  std::vector<std::pair<double, std::string>> states;
  for (const auto& [state, n] : SumBy(orchestrator, "blend_journeys_running", "state")) {
    if (n > 0) states.emplace_back(n, state);
  }
  std::sort(states.rbegin(), states.rend());
  std::vector<std::string> parts;
  for (const auto& [n, state] : states) parts.push_back(absl::StrCat(state, " ", n));
  return parts.empty() ? "-" : absl::StrJoin(parts, ", ");
}

// "sms SENT 812 OPTED_OUT 3" for one worker.
std::string Touches(const std::string& channel, const std::vector<Sample>& worker) {
  std::vector<std::string> parts;
  for (const auto& [outcome, n] : SumBy(worker, "blend_worker_touches_total", "outcome")) {
    constexpr std::string_view kPrefix = "TOUCH_OUTCOME_";
    std::string name = outcome.rfind(kPrefix, 0) == 0 ? outcome.substr(kPrefix.size()) : outcome;
    if (n > 0) parts.push_back(absl::StrCat(name, " ", n));
  }
  return absl::StrCat(channel, " ", parts.empty() ? "0" : absl::StrJoin(parts, " "));
}

}  // namespace

// Requests in the last 60 s (fewer in the first minute): the measure Genesys's per-minute
// limit uses, so it can be compared with the quota as it is.
double Progress::RequestsPerMinute(absl::Time now, double total) {
  totals_.emplace_back(now, total);
  while (totals_.size() > 2 && now - totals_[1].first >= absl::Seconds(60)) totals_.pop_front();
  return total - totals_.front().second;
}

std::string Progress::Line(absl::Duration elapsed) {
  std::vector<Sample> orchestrator = Scrape(metrics_urls_["orchestrator"]);
  double started = SumOf(orchestrator, "blend_journeys_started_total");
  double finished = SumOf(orchestrator, "blend_journeys_finished_total");
  std::string touches = absl::StrJoin({Touches("sms", Scrape(metrics_urls_["sms-worker"])),
                                       Touches("voice", Scrape(metrics_urls_["dialer-worker"])),
                                       Touches("email", Scrape(metrics_urls_["email-worker"]))},
                                      " | ");
  double total = 0, limited = 0;
  if (auto c = HttpGet(sim_url_ + "/sim/audit/counters"); c.ok()) {
    nlohmann::json j = nlohmann::json::parse(*c, nullptr, false);
    if (!j.is_discarded()) {
      total = j.value("total", 0.0);
      limited = j["byStatus"].value("429", 0.0);
    }
  }
  double rpm = RequestsPerMinute(absl::Now(), total);
  return absl::StrFormat(
      "%4.0fs journeys %.0f started, %.0f finished | waiting in: %s\n"
      "      touches %s\n"
      "      genesys %.0f requests in the last minute, quota %d/min (%.0f%%), 429s %.0f",
      absl::ToDoubleSeconds(elapsed), started, finished, States(orchestrator), touches, rpm,
      quota_rpm_, quota_rpm_ > 0 ? 100.0 * rpm / quota_rpm_ : 0.0, limited);
}

}  // namespace blend::demo
