#pragma once

// What GetCampaignStats and ListCampaigns report about a campaign. The pure parts (the state
// names of a definition, assembling the answer, a touch's outcome) are separate from the SQL so
// they are unit-tested on their own.
//
// Semantics (the proto leaves room; these are the choices):
//   current      running journeys with a run in the state now (a journey inside a Parallel
//                counts in the Parallel state and in each branch state it is in);
//   entered      journeys with at least one StateEntered history entry for the state, each
//                journey counted once however often it came back;
//   statuses     every JourneyStatus but UNSPECIFIED, zeros included;
//   touches      by channel x outcome: the reported outcome of a finished touch; SENT for a voice
//                contact inserted and not yet called; SKIPPED for a touch refused or cancelled
//                before any outcome; UNSPECIFIED while none is known (pending, deferred, held by a
//                pause, claimed); only non-zero pairs;
//   conversions  journeys ended by an exit event of the campaign's policies (an
//                ExitEventReceived history entry), whatever status that exit event gives.
// Nested states are named "Outer/Inner" (Parallel branches, a Map's ItemProcessor/Iterator);
// the history and the runs name a state by its own name, matched to the definition's here.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <pqxx/transaction>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/v1/campaign_service.pb.h"

namespace blend::orchestrator {

// Every state of an ASL definition in document order, nested ones as "Outer/Inner" (deeper:
// "A/B/C"). Empty for a document that is not a definition.
std::vector<std::string> DefinitionStateNames(std::string_view definition_json);

struct StatsCounts {
  std::map<std::string, int64_t> current;          // state's own name -> running journeys in it
  std::map<std::string, int64_t> entered;          // state's own name -> journeys that entered it
  std::map<int, int64_t> statuses;                 // blend.v1.JourneyStatus -> journeys
  std::map<std::pair<int, int>, int64_t> touches;  // (Channel, TouchOutcome) -> touches
  int64_t conversions = 0;
};

// The answer for these counts: one StateCount per name of `state_names`, in that order.
blend::v1::CampaignStats AssembleStats(const std::vector<std::string>& state_names,
                                       const StatsCounts& counts);

// The outcome a touch row stands for (touches.status and .reason), as described above.
blend::v1::TouchOutcome OutcomeOfTouch(std::string_view status, std::string_view reason);

// Adds the touches of rows (channel, status, reason, count) to `out`.
void AddTouchCounts(int channel, std::string_view status, std::string_view reason, int64_t n,
                    std::map<std::pair<int, int>, int64_t>& out);

// The statistics of one campaign version (0: the latest); kNotFound for an unknown one.
// `now` stamps computed_at. The pause record is filled in too.
absl::StatusOr<blend::v1::CampaignStats> LoadCampaignStats(pqxx::work& tx,
                                                           const std::string& campaign_id,
                                                           int32_t version, absl::Time now);

// ListCampaigns: the campaigns `scope` allows (all when `all`), by id after `after_id`, at most
// `limit`, with their headline figures; touches_today counts touches created since 00:00 UTC of
// `now`.
std::vector<blend::v1::CampaignSummary> LoadCampaignSummaries(pqxx::work& tx, bool all,
                                                              const std::vector<std::string>& scope,
                                                              const std::string& after_id,
                                                              int limit, absl::Time now);

}  // namespace blend::orchestrator
