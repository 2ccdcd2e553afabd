#pragma once

// The campaign pause switch (migration 0022). While a campaign is paused no touch of it is
// emitted and none is granted at the claim:
//   - emission (JourneyStepper::BufferEffects): the touch row is written as held (status
//     'deferred', reason kPausedReason) and gets no outbox row: nothing reaches Kafka; the
//     journey waits at its Task as it does for any touch in flight;
//   - claim (TouchFence::Claim, touch_fence.h): a touch already on Kafka is answered
//   DECISION_DEFERRED with reason
//     kPausedReason and held the same way (next attempt, like every deferral);
//   - resume (ReleaseHeldTouches): every held touch of the campaign gets an outbox row again
//     (the same touch id; the stored attempt), so it is emitted and claimed as usual.
// Timers keep running. The pause row is read in the transaction that emits or grants, from
// PostgreSQL (no cache), so every replica obeys a pause from its commit on.
//
// Why no touch is left held after a resume: the read is `... WHERE paused FOR SHARE`. A
// transaction that sees the campaign paused holds a share lock on its row until it commits;
// the resume's UPDATE of that row waits for it, and the release that follows the resume sees
// its held touch. A transaction that reads after the resume's commit sees it not paused (READ
// COMMITTED re-checks the row it waited for). A campaign that is not paused costs one primary-key
// read per emitting or claiming transaction and takes no lock.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/transaction>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/orchestrator/journey_store.h"
#include "blend/v1/campaign_service.pb.h"

namespace blend::orchestrator {

// The reason of a held touch (touches.reason) and of the DEFERRED claim answer.
inline constexpr char kPausedReason[] = "campaign paused";
// The reason a released touch carries until it is claimed.
inline constexpr char kResumedReason[] = "campaign resumed";

// Pause checks of one transaction, remembered per campaign (a batch of starts asks once), and
// the touches it decided to hold. Not thread-safe (one per transaction).
class PauseGate {
 public:
  explicit PauseGate(JourneyStore& store) : store_(store) {}
  // True when the campaign is paused; then the row stays share-locked until the transaction
  // ends (see above).
  bool Paused(const std::string& campaign_id);
  // Records `touch_id` (just buffered as pending) as held when its campaign is paused; true
  // then: the caller writes no outbox row for it.
  bool Hold(const std::string& campaign_id, const std::string& touch_id);
  // Marks the recorded touches held; call after the touch rows were written.
  void WriteHolds();

 private:
  JourneyStore& store_;
  std::map<std::string, bool> paused_;
  std::vector<std::string> held_;
};

// The last change of a campaign's pause; changed_at unset when never paused.
blend::v1::CampaignPause ReadPause(pqxx::work& tx, const std::string& campaign_id);
// Pause records of several campaigns (absent ones: never paused).
std::map<std::string, blend::v1::CampaignPause> ReadPauses(pqxx::work& tx,
                                                           const std::vector<std::string>& ids);

// Pauses (`paused` true) or resumes the campaign. Idempotent: when it already is in that state
// the stored record is returned unchanged and *changed is false. A change is logged in
// campaign_pause_log.
blend::v1::CampaignPause SetPaused(pqxx::work& tx, const std::string& campaign_id, bool paused,
                                   const std::string& changed_by, const std::string& reason,
                                   absl::Time now, bool* changed);

// Emits again the held touches of up to `limit` journeys of a campaign that is not paused
// (journey rows, then touch rows, locked in id order, like every trigger). journeys == 0: none
// is left, or the campaign is paused (again) and they stay held.
struct ReleaseBatch {
  int journeys = 0;  // journeys visited (their held touches may have been cancelled meanwhile)
  int touches = 0;   // touches emitted again
};
absl::StatusOr<ReleaseBatch> ReleaseHeldTouches(pqxx::work& tx, const std::string& campaign_id,
                                                const std::string& topic_prefix, absl::Time now,
                                                int limit);

// "<principal>" or "<principal> on behalf of <someone>": who a pause record names.
std::string ChangedBy(const std::string& principal, const std::string& on_behalf_of);
// InvalidArgument unless the campaign id and the reason are given (and short enough to log).
absl::Status ValidatePauseRequest(const std::string& campaign_id, const std::string& reason,
                                  const std::string& on_behalf_of);

}  // namespace blend::orchestrator
