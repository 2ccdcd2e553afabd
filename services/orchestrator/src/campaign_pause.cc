// The campaign pause switch: the pause row, holding touches, releasing them (campaign_pause.h).

#include "blend/orchestrator/campaign_pause.h"

#include <algorithm>

#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/orchestrator/pg_journey_store.h"
#include "blend/orchestrator/pg_store.h"
#include "blend/orchestrator/statuses.h"

namespace blend::orchestrator {
namespace {

constexpr size_t kMaxReasonBytes = 1000;
constexpr size_t kMaxNameBytes = 200;

std::string Bytes(const pqxx::field& f) {
  // encode(..., 'base64') wraps lines every 76 characters.
  std::string in = f.as<std::string>();
  in.erase(std::remove(in.begin(), in.end(), '\n'), in.end());
  std::string out;
  absl::Base64Unescape(in, &out);
  return out;
}

blend::v1::CampaignPause PauseFromRow(const pqxx::row& r) {
  blend::v1::CampaignPause p;
  p.set_campaign_id(r[0].as<std::string>());
  p.set_paused(r[1].as<bool>());
  p.set_changed_by(r[2].as<std::string>());
  p.set_reason(r[3].as<std::string>());
  *p.mutable_changed_at() = ToProto(pg::FromMicros(r[4].as<int64_t>()));
  return p;
}

constexpr char kPauseColumns[] =
    "campaign_id, paused, changed_by, reason, blend_ts_to_us(changed_at)";

}  // namespace

bool PauseGate::Paused(const std::string& campaign_id) {
  auto it = paused_.find(campaign_id);
  if (it != paused_.end()) return it->second;
  const bool paused = store_.CampaignPaused(campaign_id);
  paused_.emplace(campaign_id, paused);
  return paused;
}

bool PauseGate::Hold(const std::string& campaign_id, const std::string& touch_id) {
  if (!Paused(campaign_id)) return false;
  held_.push_back(touch_id);
  return true;
}

void PauseGate::WriteHolds() {
  store_.HoldTouches(held_);
  held_.clear();
}

blend::v1::CampaignPause ReadPause(pqxx::work& tx, const std::string& campaign_id) {
  pqxx::result r = tx.exec_params(
      absl::StrCat("SELECT ", kPauseColumns, " FROM campaign_pauses WHERE campaign_id = $1"),
      campaign_id);
  if (r.empty()) {
    blend::v1::CampaignPause p;
    p.set_campaign_id(campaign_id);
    return p;
  }
  return PauseFromRow(r[0]);
}

std::map<std::string, blend::v1::CampaignPause> ReadPauses(pqxx::work& tx,
                                                           const std::vector<std::string>& ids) {
  std::map<std::string, blend::v1::CampaignPause> out;
  for (const std::string& id : ids) out[id].set_campaign_id(id);
  if (ids.empty()) return out;
  for (const auto& row : tx.exec_params(absl::StrCat("SELECT ", kPauseColumns,
                                                     " FROM campaign_pauses WHERE campaign_id = "
                                                     "ANY($1::text[])"),
                                        pg::TextArray(ids))) {
    blend::v1::CampaignPause p = PauseFromRow(row);
    out[p.campaign_id()] = p;
  }
  return out;
}

blend::v1::CampaignPause SetPaused(pqxx::work& tx, const std::string& campaign_id, bool paused,
                                   const std::string& changed_by, const std::string& reason,
                                   absl::Time now, bool* changed) {
  // The row lock serialises pause and resume of one campaign (and waits for the transactions
  // that hold touches under a share lock).
  tx.exec_params(
      "INSERT INTO campaign_pauses (campaign_id, paused, changed_by, reason, "
      "changed_at) VALUES ($1, false, '', '', blend_us_to_ts($2)) "
      "ON CONFLICT (campaign_id) DO NOTHING",
      campaign_id, pg::ToMicros(now));
  pqxx::result cur = tx.exec_params(
      absl::StrCat("SELECT ", kPauseColumns,
                   ", changed_by = '' FROM campaign_pauses WHERE campaign_id = $1 FOR UPDATE"),
      campaign_id);
  const bool never_changed = cur[0][5].as<bool>();
  if (cur[0][1].as<bool>() == paused) {
    *changed = false;
    blend::v1::CampaignPause p = PauseFromRow(cur[0]);
    if (never_changed) p.clear_changed_at();  // a resume of a never-paused campaign
    return p;
  }
  *changed = true;
  tx.exec_params(
      "UPDATE campaign_pauses SET paused = $2, changed_by = $3, reason = $4, "
      "changed_at = blend_us_to_ts($5) WHERE campaign_id = $1",
      campaign_id, paused, changed_by, reason, pg::ToMicros(now));
  tx.exec_params(
      "INSERT INTO campaign_pause_log (campaign_id, action, changed_by, reason, at) "
      "VALUES ($1, $2, $3, $4, blend_us_to_ts($5))",
      campaign_id, std::string(paused ? "pause" : "resume"), changed_by, reason, pg::ToMicros(now));
  blend::v1::CampaignPause p;
  p.set_campaign_id(campaign_id);
  p.set_paused(paused);
  p.set_changed_by(changed_by);
  p.set_reason(reason);
  *p.mutable_changed_at() = ToProto(now);
  return p;
}

absl::StatusOr<ReleaseBatch> ReleaseHeldTouches(pqxx::work& tx, const std::string& campaign_id,
                                                const std::string& topic_prefix, absl::Time now,
                                                int limit) {
  ReleaseBatch out;
  PgJourneyStore store(tx);
  PauseGate gate(store);
  if (gate.Paused(campaign_id)) return out;  // paused again since: they stay held
  // Lock order of every trigger: the journeys (in id order), then their touches.
  pqxx::result journeys = tx.exec_params(
      "SELECT journey_id FROM journeys WHERE journey_id IN ("
      "  SELECT DISTINCT t.journey_id FROM touches t JOIN journeys j USING (journey_id)"
      "  WHERE j.campaign_id = $1 AND t.status = 'deferred' AND t.reason = $2"
      "  ORDER BY t.journey_id LIMIT $3) "
      "ORDER BY journey_id FOR UPDATE",
      campaign_id, std::string(kPausedReason), limit);
  out.journeys = static_cast<int>(journeys.size());
  if (journeys.empty()) return out;
  std::vector<std::string> ids;
  for (const auto& row : journeys) ids.push_back(row[0].as<std::string>());
  pqxx::result touches = tx.exec_params(
      "SELECT touch_id, journey_id, channel, encode(command, 'base64'), "
      "blend_ts_to_us(not_before) FROM touches WHERE journey_id = ANY($1::text[]) "
      "AND status = 'deferred' AND reason = $2 ORDER BY touch_id FOR UPDATE",
      pg::TextArray(ids), std::string(kPausedReason));
  for (const auto& row : touches) {
    const std::string touch_id = row[0].as<std::string>();
    blend::v1::TouchCommand cmd;
    if (!cmd.ParseFromString(Bytes(row[3]))) {
      return absl::InternalError(
          absl::StrCat("stored command of touch ", touch_id, " is unreadable"));
    }
    std::optional<Channel> channel = FromProto(static_cast<blend::v1::Channel>(row[2].as<int>()));
    if (!channel) {  // as the claim fence would answer it
      pg::SetTouchStatus(tx, touch_id, TouchStatus::kRefused, "touch without channel", now);
      continue;
    }
    // Not before the resume, nor before the moment the touch was meant for.
    absl::Time at = now;
    if (!row[4].is_null()) at = std::max(at, pg::FromMicros(row[4].as<int64_t>()));
    if (cmd.has_not_before()) at = std::max(at, FromProto(cmd.not_before()));
    *cmd.mutable_not_before() = ToProto(at);
    tx.exec_params(
        "UPDATE touches SET reason = $2, not_before = blend_us_to_ts($3), "
        "command = decode($4, 'base64') WHERE touch_id = $1",
        touch_id, std::string(kResumedReason), pg::ToMicros(at),
        absl::Base64Escape(cmd.SerializeAsString()));
    pg::InsertOutbox(tx, TouchTopicFor(*channel, topic_prefix), row[1].as<std::string>(),
                     TouchEnvelopeBytes(cmd, now), at, now);
    ++out.touches;
  }
  return out;
}

std::string ChangedBy(const std::string& principal, const std::string& on_behalf_of) {
  if (on_behalf_of.empty()) return principal;
  return absl::StrCat(principal, " on behalf of ", on_behalf_of);
}

absl::Status ValidatePauseRequest(const std::string& campaign_id, const std::string& reason,
                                  const std::string& on_behalf_of) {
  if (campaign_id.empty()) return absl::InvalidArgumentError("campaign_id is required");
  if (reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    return absl::InvalidArgumentError("reason is required: say why, it is recorded");
  }
  if (reason.size() > kMaxReasonBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("reason is longer than ", kMaxReasonBytes, " bytes"));
  }
  if (on_behalf_of.size() > kMaxNameBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("on_behalf_of is longer than ", kMaxNameBytes, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace blend::orchestrator
