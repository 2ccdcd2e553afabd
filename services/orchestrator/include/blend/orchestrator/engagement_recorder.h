#pragma once

// The engagement profile changes of dispositions and customer events, through a JourneyStore
// (journey_store.h): which interaction a disposition adds, and the interactions of many
// customers (or of one: the messages applied one by one) with a fixed number of store calls.
// The profile logic itself is libs/engagement; the historical import is engagement_runner.cc's.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "blend/engagement/profile.h"
#include "blend/orchestrator/journey_store.h"
#include "blend/orchestrator/runner_context.h"
#include "blend/v1/bus.pb.h"
#include "blend/v1/journey_service.pb.h"

namespace blend::orchestrator {

class EngagementRecorder {
 public:
  explicit EngagementRecorder(engagement::EngagementConfig config) : config_(std::move(config)) {}

  // The interaction a disposition adds to its customer's profile, if any (`touch_channel`
  // when the disposition names none).
  std::optional<engagement::Interaction> DispositionInteraction(const blend::v1::Disposition& d,
                                                                blend::v1::Channel touch_channel,
                                                                const std::string& campaign_id,
                                                                absl::Time now) const;
  struct Change {
    const blend::v1::Customer* customer;
    engagement::Interaction interaction;
  };
  // Applies the changes, in order, to their customers' profiles (locked, in id order): one
  // lock, one update and one insert whatever their number. A first profile another
  // transaction inserted meanwhile gets this batch's changes on top of it (a second round).
  void Record(JourneyStore& store, const std::vector<Change>& changes, absl::Time now) const;

  // Customer events (one per customer) in the same way: their interactions, and a conversion
  // credited for a goal event (noted in `notes`). Returns the engagement facts of every
  // customer whose profile changed, for the steps that follow.
  struct Event {
    const blend::v1::CustomerEvent* event;
    const blend::v1::Customer* customer;  // for the zone of a first profile; may be null
  };
  std::map<std::string, nlohmann::json> RecordEvents(JourneyStore& store,
                                                     const std::vector<Event>& events,
                                                     absl::Time now, TxNotes& notes) const;

  const engagement::EngagementConfig& config() const { return config_; }

 private:
  // One change of one customer's profile, made in the customer's zone. May run twice (the
  // second round): it must only write the profile and what it owns.
  struct Edit {
    std::string customer_id;
    const blend::v1::Customer* customer;
    std::function<void(engagement::Profile&, absl::TimeZone)> apply;
  };
  // The edits, in order, with the rounds described at Record; the profiles as written.
  std::map<std::string, engagement::Profile> ApplyEdits(JourneyStore& store,
                                                        const std::vector<Edit>& edits,
                                                        absl::Time now) const;

  engagement::EngagementConfig config_;
};

namespace detail {

// What the profile writers share (engagement_recorder.cc).
// The customer's primary zone (declared, else postal, else the phone number's first zone).
// Only computed when the profile has none yet: the phone lookup is the costly part.
void UpdateZone(engagement::Profile& p, const blend::v1::Customer* c);
absl::TimeZone LoadZoneOrUtc(const std::string& name);
// A stored profile that cannot be read is derived data: it is logged and rebuilt from empty
// rather than blocking the trigger.
engagement::Profile ParseStored(const std::optional<std::string>& stored,
                                const std::string& customer_id);

}  // namespace detail

}  // namespace blend::orchestrator
