// InMemoryJourneyStore: each call does to the maps what the statement of the same name in
// pg_store.cc does to the tables.

#include "blend/orchestrator/testing/in_memory_journey_store.h"

#include <algorithm>
#include <stdexcept>

#include "blend/common/ids.h"
#include "blend/genesys/contact_id.h"
#include "blend/orchestrator/campaign_pause.h"
#include "blend/v1/common.pb.h"

namespace blend::orchestrator::testing {

namespace {

// A voice touch whose contact may be queued in Genesys (pg_store.cc kWithdrawable).
bool Withdrawable(const TouchRow& t) {
  if (t.channel != blend::v1::CHANNEL_VOICE || t.withdraw_reason) return false;
  return t.status == TouchStatus::kClaimed || t.status == TouchStatus::kSent ||
         (t.status == TouchStatus::kDone && t.reason == "TOUCH_OUTCOME_UNKNOWN");
}

}  // namespace

int32_t InMemoryJourneyStore::InsertCampaignVersion(const CampaignRow& row) {
  auto& versions = campaigns_[row.campaign_id];
  CampaignRow stored = row;
  stored.version = versions.empty() ? 1 : versions.rbegin()->first + 1;
  versions[stored.version] = stored;
  return stored.version;
}

std::optional<CampaignRow> InMemoryJourneyStore::FindCampaign(const std::string& campaign_id,
                                                              int32_t version) {
  auto it = campaigns_.find(campaign_id);
  if (it == campaigns_.end() || it->second.empty()) return std::nullopt;
  if (version == 0) return it->second.rbegin()->second;
  auto v = it->second.find(version);
  if (v == it->second.end()) return std::nullopt;
  return v->second;
}

void InMemoryJourneyStore::SetPaused(const std::string& campaign_id, bool paused,
                                     const std::string& /*changed_by*/,
                                     const std::string& /*reason*/, absl::Time /*now*/) {
  if (paused) {
    paused_.insert(campaign_id);
  } else {
    paused_.erase(campaign_id);
  }
}

bool InMemoryJourneyStore::CampaignPaused(const std::string& campaign_id) {
  return paused_.contains(campaign_id);
}

std::vector<std::string> InMemoryJourneyStore::InsertJourneys(const std::vector<JourneyRow>& rows) {
  std::vector<std::string> inserted;
  for (const JourneyRow& row : rows) {
    if (!journey_by_key_.emplace(std::make_pair(row.campaign_id, row.client_key), row.journey_id)
             .second) {
      continue;
    }
    JourneyRow stored = row;
    stored.version = 1;
    stored.updated_at = row.started_at;
    journeys_[row.journey_id] = std::move(stored);
    inserted.push_back(row.journey_id);
  }
  return inserted;
}

std::optional<JourneyKeyMatch> InMemoryJourneyStore::FindJourneyByKey(
    const std::string& campaign_id, const std::string& client_key) {
  auto it = journey_by_key_.find({campaign_id, client_key});
  if (it == journey_by_key_.end()) return std::nullopt;
  return JourneyKeyMatch{it->second, journeys_.at(it->second).input_hash};
}

std::optional<JourneyRow> InMemoryJourneyStore::FindJourney(const std::string& journey_id) {
  auto it = journeys_.find(journey_id);
  if (it == journeys_.end()) return std::nullopt;
  return it->second;
}

std::vector<JourneyRow> InMemoryJourneyStore::LockJourneysSkipLocked(
    const std::vector<std::string>& journey_ids) {
  std::set<std::string> ids(journey_ids.begin(), journey_ids.end());
  std::vector<JourneyRow> out;
  for (const std::string& id : ids) {
    auto it = journeys_.find(id);
    if (it != journeys_.end() && !held_.contains(id)) out.push_back(it->second);
  }
  return out;
}

std::optional<absl::Time> InMemoryJourneyStore::EarliestTimerOf(
    const std::string& journey_id) const {
  std::optional<absl::Time> earliest;
  for (auto it = timers_.lower_bound({journey_id, ""});
       it != timers_.end() && it->first.first == journey_id; ++it) {
    if (!earliest || it->second < *earliest) earliest = it->second;
  }
  return earliest;
}

bool InMemoryJourneyStore::UpdateJourneys(const std::vector<JourneyRow*>& rows) {
  for (const JourneyRow* row : rows) {
    auto it = journeys_.find(row->journey_id);
    if (it == journeys_.end() || it->second.version != row->version) return false;
  }
  for (JourneyRow* row : rows) {
    JourneyRow& stored = journeys_.at(row->journey_id);
    stored.status = row->status;
    stored.current_state = row->current_state;
    stored.state_json = row->state_json;
    stored.updated_at = row->updated_at;
    stored.finished_at = row->finished_at;
    stored.error = row->error;
    stored.cause = row->cause;
    stored.version = row->version + 1;
    stored.pending_timer = EarliestTimerOf(row->journey_id);
    row->version = stored.version;
    row->pending_timer = stored.pending_timer;
  }
  return true;
}

std::vector<HistoryRow> InMemoryJourneyStore::ReadHistory(const std::string& journey_id) {
  auto it = history_.find(journey_id);
  if (it == history_.end()) return {};
  std::vector<HistoryRow> rows = it->second;
  std::sort(rows.begin(), rows.end(),
            [](const HistoryRow& a, const HistoryRow& b) { return a.seq < b.seq; });
  return rows;
}

int64_t InMemoryJourneyStore::LastSeqOf(const std::string& journey_id) const {
  int64_t last = 0;
  if (auto it = history_.find(journey_id); it != history_.end()) {
    for (const HistoryRow& row : it->second) last = std::max(last, row.seq);
  }
  return last;
}

void InMemoryJourneyStore::AppendHistory(const std::string& journey_id, const HistoryRow& row) {
  HistoryRow stored = row;
  stored.seq = LastSeqOf(journey_id) + 1;
  history_[journey_id].push_back(std::move(stored));
}

void InMemoryJourneyStore::UpsertTimer(const std::string& journey_id, const std::string& key,
                                       absl::Time due, absl::Time /*now*/) {
  timers_[{journey_id, key}] = due;
}

std::vector<DueTimer> InMemoryJourneyStore::ClaimDueTimers(absl::Time now, int limit) {
  std::vector<DueTimer> due;
  for (const auto& [key, at] : timers_) {
    if (at <= now) due.push_back(DueTimer{key.first, key.second, at});
  }
  std::stable_sort(due.begin(), due.end(),
                   [](const DueTimer& a, const DueTimer& b) { return a.due < b.due; });
  if (due.size() > static_cast<size_t>(std::max(limit, 0))) due.resize(std::max(limit, 0));
  return due;
}

void InMemoryJourneyStore::UpsertFacts(const std::string& customer_id,
                                       const std::string& object_json, absl::Time at) {
  const nlohmann::json object = nlohmann::json::parse(object_json);
  for (const auto& [key, value] : object.items()) facts_[customer_id][key] = Fact{value, at};
}

std::vector<FactsAndProfile> InMemoryJourneyStore::LoadFactsAndProfiles(
    const std::vector<FactsQuery>& queries) {
  std::vector<FactsAndProfile> out;
  out.reserve(queries.size());
  for (const FactsQuery& q : queries) {
    nlohmann::json merged = nlohmann::json::object();
    if (auto it = facts_.find(q.customer_id); it != facts_.end()) {
      for (const auto& [key, fact] : it->second) {
        if (fact.received_at >= q.since) merged[key] = fact.value;
      }
    }
    FactsAndProfile answer{merged.dump(), std::nullopt};
    if (auto it = profiles_.find(q.customer_id);
        it != profiles_.end() && nlohmann::json::parse(it->second) != nlohmann::json::object()) {
      answer.profile_json = it->second;
    }
    out.push_back(std::move(answer));
  }
  return out;
}

SuppressionPut InMemoryJourneyStore::PutSuppression(const consent::Record& record, absl::Time now) {
  for (consent::Record& stored : suppressions_) {
    if (stored.customer_id == record.customer_id && stored.address == record.address &&
        stored.channel == record.channel && stored.reason == record.reason) {
      stored.source = record.source;
      stored.note = record.note;
      stored.expires_at = record.expires_at;
      return {stored, false};
    }
  }
  consent::Record stored = record;
  stored.suppression_id = NewUuid();
  stored.recorded_at = now;
  suppressions_.push_back(stored);
  return {stored, true};
}

std::vector<JourneyRow> InMemoryJourneyStore::LockJourneysWithWithdrawableVoice(
    const std::string& customer_id, const std::string& address) {
  std::set<std::string> ids;
  for (const auto& [id, t] : touches_) {
    if (Withdrawable(t)) ids.insert(t.journey_id);
  }
  std::vector<JourneyRow> out;
  for (const std::string& id : ids) {  // id order
    auto it = journeys_.find(id);
    if (it == journeys_.end()) continue;
    const JourneyRow& j = it->second;
    const nlohmann::json customer = nlohmann::json::parse(j.customer_json, nullptr, false);
    auto field = [&](const char* key) {
      return customer.is_object() && customer.contains(key) && customer[key].is_string()
                 ? customer[key].get<std::string>()
                 : std::string();
    };
    const bool by_id = !j.customer_id.empty() && j.customer_id == customer_id;
    const bool by_address =
        !address.empty() && (field("phone_e164") == address || field("email") == address);
    if (by_id || by_address) out.push_back(j);
  }
  return out;
}

std::vector<consent::Record> InMemoryJourneyStore::FindConsent(
    const std::vector<std::string>& customer_ids, const std::vector<std::string>& addresses,
    absl::Time now) {
  const std::set<std::string> ids(customer_ids.begin(), customer_ids.end());
  const std::set<std::string> addrs(addresses.begin(), addresses.end());
  std::vector<consent::Record> out;
  for (const consent::Record& r : suppressions_) {
    if (r.expires_at && *r.expires_at <= now) continue;
    const bool by_id = !r.customer_id.empty() && ids.contains(r.customer_id);
    const bool by_address = !r.address.empty() && addrs.contains(r.address);
    if (by_id || by_address) out.push_back(r);
  }
  return out;
}

std::map<std::string, std::vector<absl::Time>> InMemoryJourneyStore::ClaimedTouchTimesOf(
    const std::vector<std::string>& customer_ids, int16_t channel, absl::Time since) {
  const std::set<std::string> ids(customer_ids.begin(), customer_ids.end());
  std::map<std::string, std::vector<absl::Time>> out;
  for (const auto& [id, t] : touches_) {
    if (ids.contains(t.customer_id) && t.channel == channel && t.claimed_at &&
        *t.claimed_at >= since) {
      out[t.customer_id].push_back(*t.claimed_at);
    }
  }
  return out;
}

std::string InMemoryJourneyStore::TouchKey() {
  if (touch_key_.empty()) {
    throw std::runtime_error("installation secret 'touch_id' is missing (migration 0018)");
  }
  return touch_key_;
}

std::vector<TouchRow> InMemoryJourneyStore::FindTouches(const std::vector<std::string>& touch_ids) {
  const std::set<std::string> ids(touch_ids.begin(), touch_ids.end());
  std::vector<TouchRow> out;
  for (const std::string& id : ids) {
    if (auto it = touches_.find(id); it != touches_.end()) out.push_back(it->second);
  }
  return out;
}

void InMemoryJourneyStore::MarkTouchClaimed(const std::string& touch_id, const std::string& worker,
                                            absl::Time now) {
  auto it = touches_.find(touch_id);
  if (it == touches_.end()) return;
  TouchRow& t = it->second;
  t.status = TouchStatus::kClaimed;
  t.claimed_at = now;
  t.claimed_by = worker;
  t.reason = "";
  if (t.channel == blend::v1::CHANNEL_VOICE) {
    if (t.genesys_contact_id.empty()) t.genesys_contact_id = genesys::ContactIdForTouch(touch_id);
  } else {
    t.genesys_contact_id = "";
  }
}

void InMemoryJourneyStore::SetTouchStatuses(const std::vector<TouchStatusChange>& changes,
                                            absl::Time /*now*/) {
  for (const TouchStatusChange& c : changes) {
    auto it = touches_.find(c.touch_id);
    if (it == touches_.end()) continue;
    it->second.status = c.status;
    it->second.reason = c.reason;
  }
}

void InMemoryJourneyStore::DeferTouch(const std::string& touch_id, const std::string& reason,
                                      int32_t attempt, const std::string& command,
                                      std::optional<absl::Time> not_before) {
  auto it = touches_.find(touch_id);
  if (it == touches_.end()) return;
  TouchRow& t = it->second;
  t.status = TouchStatus::kDeferred;
  t.reason = reason;
  t.attempt = attempt;
  t.command = command;
  if (not_before) t.not_before = not_before;
}

void InMemoryJourneyStore::HoldTouches(const std::vector<std::string>& touch_ids) {
  for (const std::string& id : touch_ids) {
    auto it = touches_.find(id);
    if (it == touches_.end() || it->second.status != TouchStatus::kPending) continue;
    it->second.status = TouchStatus::kDeferred;
    it->second.reason = kPausedReason;
  }
}

std::vector<WithdrawnTouch> InMemoryJourneyStore::RequestJourneysVoiceWithdrawals(
    const std::vector<std::string>& journey_ids, const std::string& reason, absl::Time /*now*/) {
  const std::set<std::string> ids(journey_ids.begin(), journey_ids.end());
  std::vector<WithdrawnTouch> out;  // touches_ is ordered by id
  for (auto& [id, t] : touches_) {
    if (!ids.contains(t.journey_id) || !Withdrawable(t)) continue;
    t.withdraw_reason = reason;
    out.push_back(WithdrawnTouch{t.touch_id, t.journey_id, t.command, t.genesys_contact_id});
  }
  return out;
}

std::vector<JourneyRow> InMemoryJourneyStore::LockJourneys(
    const std::vector<std::string>& journey_ids) {
  // One caller at a time: nobody else holds a row (HoldJourney only affects SkipLocked).
  const std::set<std::string> ids(journey_ids.begin(), journey_ids.end());
  std::vector<JourneyRow> out;
  for (const std::string& id : ids) {
    if (auto it = journeys_.find(id); it != journeys_.end()) out.push_back(it->second);
  }
  return out;
}

std::vector<JourneyRow> InMemoryJourneyStore::LockRunningJourneysOfCustomers(
    const std::vector<std::string>& customer_ids) {
  const std::set<std::string> customers(customer_ids.begin(), customer_ids.end());
  std::vector<JourneyRow> out;  // journeys_ is ordered by id
  for (const auto& [id, j] : journeys_) {
    if (customers.contains(j.customer_id) && j.status == journey::JourneyStatus::kRunning) {
      out.push_back(j);
    }
  }
  return out;
}

std::vector<TouchRow> InMemoryJourneyStore::LockTouches(const std::vector<std::string>& touch_ids) {
  return FindTouches(touch_ids);
}

std::set<std::string> InMemoryJourneyStore::MarkProcessedMany(
    const std::vector<std::string>& message_ids, const std::string& /*source*/,
    absl::Time /*now*/) {
  std::set<std::string> fresh;
  for (const std::string& id : message_ids) {
    if (processed_.insert(id).second) fresh.insert(id);
  }
  return fresh;
}

std::map<std::string, std::string> InMemoryJourneyStore::LoadEngagementProfiles(
    const std::vector<std::string>& customer_ids) {
  std::map<std::string, std::string> out;
  for (const std::string& id : customer_ids) {
    auto it = profiles_.find(id);
    if (it != profiles_.end() && nlohmann::json::parse(it->second) != nlohmann::json::object()) {
      out[id] = it->second;
    }
  }
  return out;
}

std::map<std::string, std::string> InMemoryJourneyStore::LockEngagementProfiles(
    const std::vector<std::string>& customer_ids) {
  std::map<std::string, std::string> out;
  for (const std::string& id : customer_ids) {
    if (auto it = profiles_.find(id); it != profiles_.end()) out[id] = it->second;
  }
  return out;
}

void InMemoryJourneyStore::UpdateEngagementProfiles(
    const std::map<std::string, std::string>& profiles, absl::Time /*now*/) {
  for (const auto& [id, profile] : profiles) {
    if (auto it = profiles_.find(id); it != profiles_.end()) it->second = profile;
  }
}

std::set<std::string> InMemoryJourneyStore::InsertEngagementProfiles(
    const std::map<std::string, std::string>& profiles, absl::Time /*now*/) {
  std::set<std::string> inserted;
  for (const auto& [id, profile] : profiles) {
    if (profiles_.emplace(id, profile).second) inserted.insert(id);
  }
  return inserted;
}

void InMemoryJourneyStore::WriteEffects(const Effects& effects, absl::Time now) {
  // Every row of one journey is numbered after the rows it had before this write (one INSERT
  // in PostgreSQL: each row sees the table as it was before the statement).
  std::map<std::string, int64_t> last_seq;
  for (const Effects::History& h : effects.history()) {
    last_seq.try_emplace(h.journey_id, LastSeqOf(h.journey_id));
  }
  for (const Effects::History& h : effects.history()) {
    HistoryRow row = h.row;
    row.seq = last_seq.at(h.journey_id) + h.row.seq;
    history_[h.journey_id].push_back(std::move(row));
  }
  for (const TouchRow& t : effects.touches()) {
    if (touches_.contains(t.touch_id)) continue;
    TouchRow stored;
    stored.touch_id = t.touch_id;
    stored.journey_id = t.journey_id;
    stored.customer_id = t.customer_id;
    stored.channel = t.channel;
    stored.status = TouchStatus::kPending;
    stored.attempt = 1;
    stored.command = t.command;
    stored.created_at = now;
    stored.not_before = t.not_before;
    stored.genesys_contact_id = t.genesys_contact_id;
    touches_[t.touch_id] = std::move(stored);
  }
  for (const Effects::Outbox& o : effects.outbox()) {
    InsertOutbox(o.topic, o.key, o.payload, o.available_at, now);
  }
  for (const auto& [key, due] : effects.timers()) {
    if (due) {
      timers_[key] = *due;
    } else {
      timers_.erase(key);
    }
  }
  for (const Effects::Finished& f : effects.finished()) {
    std::erase_if(timers_, [&](const auto& entry) { return entry.first.first == f.journey_id; });
    for (auto& [id, t] : touches_) {
      if (t.journey_id != f.journey_id) continue;
      if (t.status == TouchStatus::kPending || t.status == TouchStatus::kDeferred) {
        t.status = TouchStatus::kCancelled;
        t.reason = f.reason;
      }
    }
  }
}

void InMemoryJourneyStore::InsertOutbox(const std::string& topic, const std::string& key,
                                        const std::string& payload, absl::Time available_at,
                                        absl::Time now) {
  outbox_.push_back(OutboxEntry{next_outbox_id_++, topic, key, payload, now, available_at});
}

}  // namespace blend::orchestrator::testing
