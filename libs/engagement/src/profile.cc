#include "blend/engagement/profile.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace blend::engagement {

using nlohmann::json;

namespace {

constexpr std::string_view kWeekdays[] = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};

int WeekdayIndex(absl::Weekday w) {
  switch (w) {
    case absl::Weekday::monday:
      return 0;
    case absl::Weekday::tuesday:
      return 1;
    case absl::Weekday::wednesday:
      return 2;
    case absl::Weekday::thursday:
      return 3;
    case absl::Weekday::friday:
      return 4;
    case absl::Weekday::saturday:
      return 5;
    case absl::Weekday::sunday:
      return 6;
  }
  return 0;
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseTime(const json& v, std::string_view field) {
  absl::Time t;
  std::string err;
  if (!v.is_string() || !absl::ParseTime(absl::RFC3339_full, v.get<std::string>(), &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("engagement profile: ", std::string(field), " is not an RFC 3339 time"));
  }
  return t;
}

json OptionalTime(const std::optional<absl::Time>& t) {
  return t ? json(FormatUtc(*t)) : json(nullptr);
}

absl::StatusOr<std::optional<absl::Time>> OptionalTimeField(const json& j, const char* field) {
  if (!j.contains(field) || j[field].is_null()) return std::optional<absl::Time>();
  auto t = ParseTime(j[field], field);
  if (!t.ok()) return t.status();
  return std::optional<absl::Time>(*t);
}

std::array<int64_t, 24> ByHour(const Profile& p) {
  std::array<int64_t, 24> out{};
  for (const auto& day : p.positive_by_weekday_hour) {
    for (int h = 0; h < 24; ++h) out[h] += day[h];
  }
  return out;
}

std::array<int64_t, 7> ByWeekday(const Profile& p) {
  std::array<int64_t, 7> out{};
  for (int d = 0; d < 7; ++d) {
    for (int64_t n : p.positive_by_weekday_hour[d]) out[d] += n;
  }
  return out;
}

template <size_t N>
std::optional<int> ArgMax(const std::array<int64_t, N>& counts) {
  std::optional<int> best;
  for (int i = 0; i < static_cast<int>(N); ++i) {
    if (counts[i] > 0 && (!best || counts[i] > counts[*best])) best = i;
  }
  return best;
}

}  // namespace

std::string_view WeekdayName(int weekday) {
  return weekday >= 0 && weekday < 7 ? kWeekdays[weekday] : "";
}

void ApplyInteraction(Profile& p, const Interaction& in, absl::TimeZone local) {
  ChannelStats& s = p.channels[in.channel];
  if (in.touch) ++s.sent;
  if (in.failed) ++s.failed;
  if (in.opted_out) ++s.opt_outs;
  if (in.positive) {
    ++s.positive;
    const absl::CivilHour h = absl::ToCivilHour(in.at, local);
    p.positive_by_weekday_hour[WeekdayIndex(absl::GetWeekday(h))][h.hour()]++;
  }
  // Interactions may arrive out of order (imports, late webhooks): keep the latest.
  if (!in.outcome.empty() && (!s.last_outcome_at || in.at >= *s.last_outcome_at)) {
    s.last_outcome = absl::AsciiStrToUpper(in.outcome);
    s.last_outcome_at = in.at;
  }
  if (in.touch) {
    if (!s.last_touch_at || in.at > *s.last_touch_at) s.last_touch_at = in.at;
    if (!p.last_touch || in.at >= p.last_touch->at) {
      p.last_touch = LastTouch{in.channel, in.at, in.campaign_id};
    }
  }
}

std::optional<Attribution> ApplyConversion(Profile& p, absl::Time at, absl::Duration window) {
  ++p.conversions;
  if (!p.last_conversion_at || at > *p.last_conversion_at) p.last_conversion_at = at;
  // The latest touch sent at or before the conversion, within the window.
  std::optional<LastTouch> credited;
  if (p.last_touch && p.last_touch->at <= at) {
    credited = p.last_touch;
  } else {
    // The overall last touch is after the conversion (late data): look per channel.
    for (const auto& [channel, s] : p.channels) {
      if (s.last_touch_at && *s.last_touch_at <= at &&
          (!credited || *s.last_touch_at > credited->at)) {
        credited = LastTouch{channel, *s.last_touch_at, ""};
      }
    }
  }
  if (!credited || at - credited->at > window) {
    ++p.unattributed_conversions;
    return std::nullopt;
  }
  ++p.channels[credited->channel].conversions;
  return Attribution{credited->channel, credited->campaign_id, at - credited->at};
}

void ApplyAttributedConversion(Profile& p, Channel channel, absl::Time at) {
  ++p.conversions;
  ++p.channels[channel].conversions;
  if (!p.last_conversion_at || at > *p.last_conversion_at) p.last_conversion_at = at;
}

std::optional<Interaction> FromDisposition(const DispositionInput& d,
                                           const EngagementConfig& config) {
  Interaction in{d.channel, d.at, false, false, false, false, "", d.campaign_id};
  switch (d.outcome) {
    case Outcome::kSent:
      if (d.channel == Channel::kVoice) return std::nullopt;  // contact inserted, no call yet
      in.touch = true;
      in.outcome = "SENT";
      return in;
    case Outcome::kCallCompleted: {
      in.touch = true;
      const bool rpc = config.positive_wrapup_codes.empty()
                           ? d.answered
                           : Contains(config.positive_wrapup_codes, d.wrapup_code);
      in.positive = rpc;
      in.outcome = rpc ? "ANSWERED" : (d.answered ? "ANSWERED_NOT_RPC" : "NO_ANSWER");
      return in;
    }
    case Outcome::kFailed:
      in.failed = true;
      in.outcome = "FAILED";
      return in;
    case Outcome::kOptedOut:
      in.opted_out = true;
      in.outcome = "OPTED_OUT";
      return in;
    case Outcome::kDncActive:
      in.outcome = "DNC_ACTIVE";
      return in;
    case Outcome::kSkipped:
    case Outcome::kUnknown:
      return std::nullopt;
  }
  return std::nullopt;
}

std::vector<Interaction> FromCustomerEvent(std::string_view type,
                                           std::optional<Channel> opt_out_channel, absl::Time at,
                                           const EngagementConfig& config) {
  std::vector<Interaction> out;
  auto positive = [&](Channel c, std::string outcome) {
    out.push_back(Interaction{c, at, false, false, true, false, std::move(outcome), ""});
  };
  if (Contains(config.sms_response_events, type)) {
    positive(Channel::kSms, "REPLIED");
  } else if (Contains(config.email_response_events, type)) {
    positive(Channel::kEmail,
             std::string(type).find("click") != std::string::npos ? "CLICKED" : "REPLIED");
  } else if (type == "opt_out") {
    for (Channel c : kAllChannels) {
      if (opt_out_channel && *opt_out_channel != c) continue;
      out.push_back(Interaction{c, at, false, false, false, true, "OPTED_OUT", ""});
    }
  }
  return out;
}

bool IsGoalEvent(std::string_view type, const EngagementConfig& config) {
  return Contains(config.goal_events, type);
}

absl::StatusOr<Interaction> FromImportOutcome(Channel channel, std::string_view outcome,
                                              absl::Time at) {
  const std::string word = absl::AsciiStrToLower(absl::StripAsciiWhitespace(std::string(outcome)));
  Interaction in{channel, at, false, false, false, false, absl::AsciiStrToUpper(word), ""};
  if (word == "sent" || word == "delivered" || word == "opened") {
    in.touch = true;
  } else if (word == "failed" || word == "bounced") {
    in.failed = true;
  } else if (word == "answered" || word == "rpc") {
    in.touch = in.positive = true;
    in.outcome = "ANSWERED";
  } else if (word == "no_answer" || word == "busy" || word == "voicemail") {
    in.touch = true;
  } else if (word == "replied" || word == "clicked") {
    // The reply implies the touch it answers was sent.
    in.touch = in.positive = true;
  } else if (word == "opted_out") {
    in.opted_out = true;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown outcome '", std::string(outcome),
        "' (accepted: sent, delivered, opened, failed, bounced, answered, rpc, no_answer, "
        "busy, voicemail, replied, clicked, opted_out)"));
  }
  return in;
}

std::optional<Channel> BestChannel(const Profile& p) {
  std::optional<Channel> best;
  double best_score = -1;
  for (Channel c : kAllChannels) {
    auto it = p.channels.find(c);
    if (it == p.channels.end()) continue;
    const ChannelStats& s = it->second;
    if (s.opt_outs > 0 || (s.sent == 0 && s.positive == 0)) continue;
    const double score =
        static_cast<double>(s.positive + 2 * s.conversions + 1) / static_cast<double>(s.sent + 2);
    if (score > best_score) {
      best_score = score;
      best = c;
    }
  }
  return best;
}

std::optional<int> BestHourLocal(const Profile& p) { return ArgMax(ByHour(p)); }
std::optional<int> BestWeekday(const Profile& p) { return ArgMax(ByWeekday(p)); }

json ProfileToJson(const Profile& p) {
  json channels = json::object();
  for (const auto& [c, s] : p.channels) {
    json cj = {{"sent", s.sent},
               {"failed", s.failed},
               {"positive", s.positive},
               {"optOuts", s.opt_outs},
               {"conversions", s.conversions},
               {"lastOutcome", s.last_outcome},
               {"lastOutcomeAt", OptionalTime(s.last_outcome_at)},
               {"lastTouchAt", OptionalTime(s.last_touch_at)}};
    channels[std::string(ChannelName(c))] = std::move(cj);
  }
  json j = {{"version", 1},
            {"customerId", p.customer_id},
            {"timeZone", p.time_zone},
            {"channels", std::move(channels)},
            {"conversions", p.conversions},
            {"unattributedConversions", p.unattributed_conversions},
            {"lastConversionAt", OptionalTime(p.last_conversion_at)},
            {"positiveByWeekdayHour", p.positive_by_weekday_hour}};
  if (p.last_touch) {
    j["lastTouch"] = {{"channel", std::string(ChannelName(p.last_touch->channel))},
                      {"at", FormatUtc(p.last_touch->at)},
                      {"campaignId", p.last_touch->campaign_id}};
  } else {
    j["lastTouch"] = nullptr;
  }
  return j;
}

namespace {

absl::Status ChannelFromJson(const json& cj, ChannelStats& s) {
  s.sent = cj.value("sent", int64_t{0});
  s.failed = cj.value("failed", int64_t{0});
  s.positive = cj.value("positive", int64_t{0});
  s.opt_outs = cj.value("optOuts", int64_t{0});
  s.conversions = cj.value("conversions", int64_t{0});
  s.last_outcome = cj.value("lastOutcome", "");
  auto last = OptionalTimeField(cj, "lastOutcomeAt");
  if (!last.ok()) return last.status();
  s.last_outcome_at = *last;
  auto touch = OptionalTimeField(cj, "lastTouchAt");
  if (!touch.ok()) return touch.status();
  s.last_touch_at = *touch;
  return absl::OkStatus();
}

absl::Status HistogramFromJson(const json& h, Profile& p) {
  if (!h.is_array() || h.size() != 7) {
    return absl::InvalidArgumentError("engagement profile: positiveByWeekdayHour must be 7x24");
  }
  for (int d = 0; d < 7; ++d) {
    if (!h[d].is_array() || h[d].size() != 24) {
      return absl::InvalidArgumentError("engagement profile: positiveByWeekdayHour must be 7x24");
    }
    for (int hr = 0; hr < 24; ++hr) p.positive_by_weekday_hour[d][hr] = h[d][hr].get<int64_t>();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Profile> ProfileFromJson(const json& j) {
  if (!j.is_object()) return absl::InvalidArgumentError("engagement profile: not an object");
  Profile p;
  try {
    p.customer_id = j.value("customerId", "");
    p.time_zone = j.value("timeZone", "");
    p.conversions = j.value("conversions", int64_t{0});
    p.unattributed_conversions = j.value("unattributedConversions", int64_t{0});
    auto conv = OptionalTimeField(j, "lastConversionAt");
    if (!conv.ok()) return conv.status();
    p.last_conversion_at = *conv;
    const json channels = j.value("channels", json::object());
    for (const auto& [name, cj] : channels.items()) {
      std::optional<Channel> c = ParseChannel(name);
      if (!c) return absl::InvalidArgumentError("engagement profile: unknown channel " + name);
      if (absl::Status s = ChannelFromJson(cj, p.channels[*c]); !s.ok()) return s;
    }
    if (j.contains("positiveByWeekdayHour")) {
      if (absl::Status s = HistogramFromJson(j["positiveByWeekdayHour"], p); !s.ok()) return s;
    }
    if (j.contains("lastTouch") && j["lastTouch"].is_object()) {
      const json& lt = j["lastTouch"];
      std::optional<Channel> c = ParseChannel(lt.value("channel", ""));
      auto at = ParseTime(lt.value("at", json()), "lastTouch.at");
      if (!c || !at.ok()) return absl::InvalidArgumentError("engagement profile: bad lastTouch");
      p.last_touch = LastTouch{*c, *at, lt.value("campaignId", "")};
    }
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("engagement profile: ", e.what()));
  }
  return p;
}

json FactsJson(const Profile& p) {
  json j = json::object();
  for (Channel c : kAllChannels) {
    ChannelStats s;
    if (auto it = p.channels.find(c); it != p.channels.end()) s = it->second;
    j[std::string(ChannelName(c))] = {
        {"sent", s.sent},
        {"failed", s.failed},
        {"positive", s.positive},
        {"optOuts", s.opt_outs},
        {"conversions", s.conversions},
        {"responseRate", s.sent > 0 ? static_cast<double>(s.positive) / s.sent : 0.0},
        {"lastOutcome", s.last_outcome.empty() ? json(nullptr) : json(s.last_outcome)},
        {"lastOutcomeAt", OptionalTime(s.last_outcome_at)}};
  }
  const auto best_channel = BestChannel(p);
  const auto best_hour = BestHourLocal(p);
  const auto best_day = BestWeekday(p);
  j["conversions"] = p.conversions;
  j["lastConversionAt"] = OptionalTime(p.last_conversion_at);
  j["bestChannel"] = best_channel ? json(ChannelName(*best_channel)) : json(nullptr);
  j["bestHourLocal"] = best_hour ? json(*best_hour) : json(nullptr);
  j["bestWeekday"] = best_day ? json(WeekdayName(*best_day)) : json(nullptr);
  j["timeZone"] = p.time_zone;
  return j;
}

}  // namespace blend::engagement
