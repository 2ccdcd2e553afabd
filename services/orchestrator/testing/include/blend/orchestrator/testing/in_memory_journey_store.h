#pragma once

// A JourneyStore (journey_store.h) in maps, for unit tests of the trigger logic: no database,
// no clock, no threads. It answers as PgJourneyStore does (tests/journey_store_contract.h
// checks both against the same cases), with these differences, all about transactions:
//   - there are none: a write is visible at once and never rolled back (a test that needs the
//     rollback of an aborted trigger uses PostgreSQL);
//   - UpdateJourneys that finds a stale version changes nothing (PostgreSQL updates the rows
//     that match and the caller's abort rolls them back: the same once the trigger aborted);
//   - "another transaction holds this journey" is said with HoldJourney.
// Not thread-safe: one caller at a time.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "blend/orchestrator/journey_store.h"

namespace blend::orchestrator::testing {

class InMemoryJourneyStore final : public JourneyStore {
 public:
  // `touch_key`: the installation's touch id key (hex); "" makes TouchKey throw, as a database
  // without migration 0018 would.
  explicit InMemoryJourneyStore(
      std::string touch_key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
      : touch_key_(std::move(touch_key)) {}

  int32_t InsertCampaignVersion(const CampaignRow& row) override;
  std::optional<CampaignRow> FindCampaign(const std::string& campaign_id, int32_t version) override;
  void SetPaused(const std::string& campaign_id, bool paused, const std::string& changed_by,
                 const std::string& reason, absl::Time now) override;
  bool CampaignPaused(const std::string& campaign_id) override;
  std::vector<std::string> InsertJourneys(const std::vector<JourneyRow>& rows) override;
  std::optional<JourneyRow> FindJourney(const std::string& journey_id) override;
  std::optional<JourneyKeyMatch> FindJourneyByKey(const std::string& campaign_id,
                                                  const std::string& client_key) override;
  std::vector<JourneyRow> LockJourneysSkipLocked(
      const std::vector<std::string>& journey_ids) override;
  bool UpdateJourneys(const std::vector<JourneyRow*>& rows) override;
  std::vector<HistoryRow> ReadHistory(const std::string& journey_id) override;
  void AppendHistory(const std::string& journey_id, const HistoryRow& row) override;
  void UpsertTimer(const std::string& journey_id, const std::string& key, absl::Time due,
                   absl::Time now) override;
  std::vector<DueTimer> ClaimDueTimers(absl::Time now, int limit) override;
  void UpsertFacts(const std::string& customer_id, const std::string& object_json,
                   absl::Time at) override;
  std::vector<FactsAndProfile> LoadFactsAndProfiles(
      const std::vector<FactsQuery>& queries) override;
  SuppressionPut PutSuppression(const consent::Record& record, absl::Time now) override;
  std::vector<JourneyRow> LockJourneysWithWithdrawableVoice(const std::string& customer_id,
                                                            const std::string& address) override;
  std::vector<consent::Record> FindConsent(const std::vector<std::string>& customer_ids,
                                           const std::vector<std::string>& addresses,
                                           absl::Time now) override;
  std::map<std::string, std::vector<absl::Time>> ClaimedTouchTimesOf(
      const std::vector<std::string>& customer_ids, int16_t channel, absl::Time since) override;
  std::string TouchKey() override;
  std::vector<TouchRow> FindTouches(const std::vector<std::string>& touch_ids) override;
  void MarkTouchClaimed(const std::string& touch_id, const std::string& worker,
                        absl::Time now) override;
  void SetTouchStatuses(const std::vector<TouchStatusChange>& changes, absl::Time now) override;
  void DeferTouch(const std::string& touch_id, const std::string& reason, int32_t attempt,
                  const std::string& command, std::optional<absl::Time> not_before) override;
  void HoldTouches(const std::vector<std::string>& touch_ids) override;
  std::vector<WithdrawnTouch> RequestJourneysVoiceWithdrawals(
      const std::vector<std::string>& journey_ids, const std::string& reason,
      absl::Time now) override;
  std::vector<JourneyRow> LockJourneys(const std::vector<std::string>& journey_ids) override;
  std::vector<JourneyRow> LockRunningJourneysOfCustomers(
      const std::vector<std::string>& customer_ids) override;
  std::vector<TouchRow> LockTouches(const std::vector<std::string>& touch_ids) override;
  std::set<std::string> MarkProcessedMany(const std::vector<std::string>& message_ids,
                                          const std::string& source, absl::Time now) override;
  std::map<std::string, std::string> LoadEngagementProfiles(
      const std::vector<std::string>& customer_ids) override;
  std::map<std::string, std::string> LockEngagementProfiles(
      const std::vector<std::string>& customer_ids) override;
  void UpdateEngagementProfiles(const std::map<std::string, std::string>& profiles,
                                absl::Time now) override;
  std::set<std::string> InsertEngagementProfiles(const std::map<std::string, std::string>& profiles,
                                                 absl::Time now) override;
  void WriteEffects(const Effects& effects, absl::Time now) override;
  void InsertOutbox(const std::string& topic, const std::string& key, const std::string& payload,
                    absl::Time available_at, absl::Time now) override;

  // What a test arranges or looks at beyond the interface.

  // As if another transaction held the journey's row lock (LockJourneysSkipLocked skips it).
  void HoldJourney(const std::string& journey_id) { held_.insert(journey_id); }
  void ReleaseJourney(const std::string& journey_id) { held_.erase(journey_id); }
  struct OutboxEntry {
    int64_t id = 0;
    std::string topic;
    std::string key;
    std::string payload;
    absl::Time created_at;
    absl::Time available_at;
  };
  // Every outbox row, in id order (nothing relays them here).
  const std::vector<OutboxEntry>& outbox() const { return outbox_; }
  // Every touch, by id.
  const std::map<std::string, TouchRow>& touches() const { return touches_; }
  // Every timer, by (journey, key).
  const std::map<std::pair<std::string, std::string>, absl::Time>& timers() const {
    return timers_;
  }

 private:
  struct Fact {
    nlohmann::json value;
    absl::Time received_at;
  };
  std::optional<absl::Time> EarliestTimerOf(const std::string& journey_id) const;
  int64_t LastSeqOf(const std::string& journey_id) const;

  std::string touch_key_;
  std::map<std::string, std::map<int32_t, CampaignRow>> campaigns_;  // id -> version -> row
  std::set<std::string> paused_;
  std::map<std::string, JourneyRow> journeys_;
  std::map<std::pair<std::string, std::string>, std::string> journey_by_key_;
  std::set<std::string> held_;
  std::map<std::string, std::vector<HistoryRow>> history_;
  std::map<std::pair<std::string, std::string>, absl::Time> timers_;
  std::map<std::string, std::map<std::string, Fact>> facts_;
  std::map<std::string, std::string> profiles_;
  std::set<std::string> processed_;
  std::vector<consent::Record> suppressions_;
  std::map<std::string, TouchRow> touches_;
  std::vector<OutboxEntry> outbox_;
  int64_t next_outbox_id_ = 1;
};

}  // namespace blend::orchestrator::testing
