#include "blend/demo/run_state.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace blend::demo {
namespace {

using nlohmann::json;

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseTime(const json& j, const char* what) {
  absl::Time t;
  std::string err;
  if (!j.is_string() || !absl::ParseTime(absl::RFC3339_full, j.get<std::string>(), &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("run state: ", what, " is not an RFC 3339 time"));
  }
  return t;
}

}  // namespace

json RunStateToJson(const RunState& s) {
  json payments = json::object();
  for (const auto& [customer, p] : s.payments) {
    payments[customer] = {{"acknowledged", Rfc3339(p.acknowledged)},
                          {"journeys_matched", p.journeys_matched}};
  }
  return {{"started", Rfc3339(s.started)}, {"journey_of_customer", s.journey_of_customer},
          {"rejected", s.rejected},        {"not_started", s.not_started},
          {"payments", payments},          {"payments_not_sent", s.payments_not_sent}};
}

absl::StatusOr<RunState> RunStateFromJson(const json& j) {
  RunState s;
  try {
    auto started = ParseTime(j.at("started"), "started");
    if (!started.ok()) return started.status();
    s.started = *started;
    s.journey_of_customer = j.at("journey_of_customer").get<std::map<std::string, std::string>>();
    s.rejected = j.at("rejected").get<int>();
    s.not_started = j.at("not_started").get<std::vector<std::string>>();
    s.payments_not_sent = j.at("payments_not_sent").get<std::vector<std::string>>();
    for (const auto& [customer, p] : j.at("payments").items()) {
      auto at = ParseTime(p.at("acknowledged"), "payments.acknowledged");
      if (!at.ok()) return at.status();
      s.payments[customer] = Payment{*at, p.at("journeys_matched").get<int>()};
    }
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("run state: ", e.what()));
  }
  return s;
}

absl::Status WriteRunState(const std::string& path, const RunState& state) {
  std::ofstream out(path);
  out << RunStateToJson(state).dump(1) << "\n";
  out.close();
  if (!out) return absl::UnavailableError("cannot write the run state to " + path);
  return absl::OkStatus();
}

absl::StatusOr<RunState> ReadRunState(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read the run state " + path);
  std::stringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) return absl::InvalidArgumentError("run state " + path + " is not JSON");
  return RunStateFromJson(j);
}

}  // namespace blend::demo
