#pragma once

// The rows the orchestrator stores, as plain values: what the JourneyStore seam
// (journey_store.h) and the SQL of pg_store.h read and write. No storage here; times are
// absl::Time, statuses the enums of statuses.h and journey_status.h.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "blend/consent/consent.h"
#include "blend/orchestrator/statuses.h"

namespace blend::orchestrator {

// One stored version of a campaign (versions are immutable).
struct CampaignRow {
  std::string campaign_id;
  int32_t version = 0;
  std::string definition_json;
  std::string policies_json;
  std::string resource_aliases_json;  // {"foreign": "blend:sms"}
  absl::Time created_at;
};

// A journey as stored: its campaign version, customer, interpreter state and status.
struct JourneyRow {
  std::string journey_id;
  std::string campaign_id;
  int32_t campaign_version = 0;
  std::string client_key;
  std::string input_hash;
  std::string customer_id;
  std::string customer_json;
  journey::JourneyStatus status = journey::JourneyStatus::kRunning;
  std::string current_state;
  std::string state_json;
  int64_t version = 1;
  std::optional<absl::Time> pending_timer;
  absl::Time started_at;
  absl::Time updated_at;
  std::optional<absl::Time> finished_at;
  std::string error;
  std::string cause;
};

// The journey a (campaign, client key) pair started, with its input hash.
struct JourneyKeyMatch {
  std::string journey_id;
  std::string input_hash;
};

// One entry of a journey's history.
struct HistoryRow {
  // In Effects::AddHistory: 1, 2, ... within one step; the journey's current maximum is
  // added when the rows are written.
  int64_t seq = 0;
  absl::Time at;
  std::string kind;
  std::string state_name;
  std::string detail_json = "{}";
};

// A durable timer of a journey that fell due.
struct DueTimer {
  std::string journey_id;
  std::string key;
  absl::Time due;
};

// A touch: everything a worker needs to send it, and where it stands.
struct TouchRow {
  std::string touch_id;
  std::string journey_id;
  std::string customer_id;
  int16_t channel = 0;                         // blend.v1.Channel
  TouchStatus status = TouchStatus::kPending;  // stored as TouchStatusText (statuses.h)
  int32_t attempt = 1;
  std::string command;  // serialised blend.v1.TouchCommand
  absl::Time created_at;
  std::optional<absl::Time> not_before;
  std::optional<absl::Time> claimed_at;
  std::string claimed_by;
  std::string reason;
  std::string genesys_contact_id;  // voice: genesys::ContactIdForTouch(touch_id); else ""
  // Set (to touches.withdraw_reason) once a withdrawal of the voice contact was requested.
  std::optional<std::string> withdraw_reason;
};

// A voice touch whose contact may sit in a Genesys dialer queue and whose withdrawal was just
// requested (withdraw_requested_at was NULL and is now set).
struct WithdrawnTouch {
  std::string touch_id;
  std::string journey_id;
  std::string command;             // serialised blend.v1.TouchCommand (its GenesysIds)
  std::string genesys_contact_id;  // "" when the row predates migration 0016
};

// A customer's facts received since an instant (a journey sees those since it started).
struct FactsQuery {
  std::string customer_id;
  absl::Time since;
};

// The facts merged into one JSON object ("{}" when none) and the customer's engagement profile
// (nullopt: none).
struct FactsAndProfile {
  std::string facts_json;
  std::optional<std::string> profile_json;
};

// A touch's new status and reason.
// A suppression as stored by JourneyStore::PutSuppression.
struct SuppressionPut {
  consent::Record record;
  bool created = false;  // false: the record in force with the same key was updated
};

struct TouchStatusChange {
  std::string touch_id;
  TouchStatus status = TouchStatus::kDone;
  std::string reason;
};

}  // namespace blend::orchestrator
