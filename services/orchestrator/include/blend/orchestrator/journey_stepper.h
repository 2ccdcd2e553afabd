#pragma once

// How the orchestrator steps journeys it read from a JourneyStore (journey_store.h): parse a
// stored row, read the facts of many journeys at once, turn the interpreter's effects into
// rows (Effects), and write the stepped journeys back with the withdrawals of those that
// ended. No transaction of its own and no SQL: the store it is given is one transaction's
// view (PgJourneyStore in production, InMemoryJourneyStore in unit tests). Shared by the batch
// triggers (timer_firing.h, disposition_batch.cc) and JourneyRunner's single triggers.
//
// Thread-safe: the campaign cache and the touch key are guarded; everything else is per call.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "blend/consent/consent.h"
#include "blend/journey/campaign.h"
#include "blend/journey/interpreter.h"
#include "blend/orchestrator/effects.h"
#include "blend/orchestrator/journey_store.h"
#include "blend/orchestrator/runner_context.h"
#include "blend/orchestrator/store_rows.h"
#include "blend/v1/journey_service.pb.h"

namespace blend::orchestrator {

class PauseGate;  // campaign_pause.h

// Compiled campaign versions by (id, version); versions are immutable, so entries never go
// stale. Thread-safe.
class CampaignCache {
 public:
  // version 0: the latest stored version (always read from the store). kNotFound when unknown.
  absl::StatusOr<std::shared_ptr<const journey::CompiledCampaign>> Get(
      JourneyStore& store, const std::string& campaign_id, int32_t version,
      int32_t* resolved_version);

 private:
  absl::Mutex mu_;
  std::map<std::pair<std::string, int32_t>, std::shared_ptr<const journey::CompiledCampaign>>
      compiled_ ABSL_GUARDED_BY(mu_);
};

// A stored journey made ready to step: its customer, campaign and state parsed.
struct LoadedJourney {
  JourneyRow row;
  blend::v1::Customer customer;
  std::shared_ptr<const journey::CompiledCampaign> campaign;
  journey::JourneyState state;
};

class JourneyStepper {
 public:
  // `topic_prefix`: prepended to every Kafka topic of an outbox row (RunnerOptions).
  JourneyStepper(CampaignCache& campaigns, std::string topic_prefix)
      : campaigns_(campaigns), topic_prefix_(std::move(topic_prefix)) {}

  // The row's customer, campaign and state; an error (kNotFound campaign, unreadable state)
  // when it cannot be stepped.
  absl::StatusOr<LoadedJourney> Parse(JourneyStore& store, JourneyRow row);
  // The compiled campaign version the journey runs; kNotFound when unknown.
  absl::StatusOr<std::shared_ptr<const journey::CompiledCampaign>> CampaignOf(
      JourneyStore& store, const JourneyRow& row);
  // The journey locked (waiting for a holder) and parsed; kNotFound when unknown.
  absl::StatusOr<LoadedJourney> LoadLocked(JourneyStore& store, const std::string& journey_id);
  // Steps one loaded, locked journey with `trigger` and writes everything: its effects (touches,
  // outbox rows, timers, history), its row, and, when the step ended it, the withdrawal of its
  // voice contacts still queued in Genesys. `j` is left as written. kAborted when the journey
  // changed concurrently.
  absl::Status StepOne(JourneyStore& store, LoadedJourney& j, const journey::Trigger& trigger,
                       absl::Time now, TxNotes& notes);
  // The facts of many journeys (consent, attributes since each one started, engagement
  // profile, frequency-cap history) with a fixed number of store calls: one per journey, in
  // order.
  std::vector<journey::CustomerFacts> FactsOfMany(JourneyStore& store,
                                                  const std::vector<const LoadedJourney*>& journeys,
                                                  absl::Time now);
  // FactsOfMany for every journey of a batch, by journey id.
  std::map<std::string, journey::CustomerFacts> FactsById(
      JourneyStore& store, const std::map<std::string, LoadedJourney>& journeys, absl::Time now);
  // The claim times the campaigns' frequency caps look at, set in each query's facts: one store
  // call per (channel, window) capped, whatever the number of queries.
  struct CapQuery {
    const journey::CompiledCampaign* campaign;
    std::string customer_id;
    journey::CustomerFacts* facts;
  };
  static void AddCapHistories(JourneyStore& store, const std::vector<CapQuery>& queries,
                              absl::Time now);
  // The rows of one step's effects: touches (with their outbox rows unless the campaign is
  // paused: `pauses` holds them), timers, history numbered from `first_seq`, the end.
  void BufferEffects(Effects& effects, const std::string& touch_key, const JourneyRow& row,
                     const blend::v1::Customer& customer, const journey::CompiledCampaign& campaign,
                     const journey::StepResult& result, absl::Time now, int64_t first_seq,
                     TxNotes& notes, PauseGate& pauses) const;
  // Writes the journeys a batch stepped (`status_before`: each one's status before its first
  // step) with one UpdateJourneys, then, for those that ended, notes them and withdraws their
  // voice contacts still queued in Genesys (one store call per way of ending). kAborted when a
  // journey changed concurrently.
  absl::Status WriteStepped(JourneyStore& store,
                            const std::map<std::string, journey::JourneyStatus>& status_before,
                            std::map<std::string, LoadedJourney>& loaded, absl::Time now,
                            TxNotes& notes) const;
  // A WithdrawTouch outbox row and a history row for each touch (journey_stepper.cc says why).
  void WriteWithdrawals(JourneyStore& store, const std::vector<WithdrawnTouch>& rows,
                        const std::string& reason, absl::Time now, TxNotes& notes) const;
  // The installation's touch id key, read once.
  std::string TouchKey(JourneyStore& store);
  const std::string& topic_prefix() const { return topic_prefix_; }

 private:
  // A stepped row and its status before the step.
  struct Stepped {
    journey::JourneyStatus before;
    JourneyRow* row;
  };
  // WriteStepped's work: one UpdateJourneys, then the notes and withdrawals of those that ended.
  absl::Status WriteRows(JourneyStore& store, const std::vector<Stepped>& stepped, absl::Time now,
                         TxNotes& notes) const;

  CampaignCache& campaigns_;
  const std::string topic_prefix_;
  absl::Mutex touch_key_mu_;
  std::string touch_key_ ABSL_GUARDED_BY(touch_key_mu_);  // "" until read
};

// The consent records in force about any of these customers (id, phone, email).
std::vector<consent::Record> FindConsent(JourneyStore& store,
                                         const std::vector<blend::v1::Customer>& customers,
                                         absl::Time now);

// Sets the suppression facts of `facts` from the records about `customer`, with the campaign's
// optOutScope (consent_runner.cc).
void ApplyConsent(const std::vector<consent::Record>& records, const blend::v1::Customer& customer,
                  const journey::CompiledCampaign& campaign, absl::Time now,
                  journey::CustomerFacts& facts);

// The facts object of a stored profile (libs/engagement FactsJson); null when unreadable
// (engagement_runner.cc).
nlohmann::json EngagementFactsOf(const std::string& profile_json);

// "<prefix>blend.touch.<channel>".
std::string TouchTopicFor(Channel channel, const std::string& prefix);

}  // namespace blend::orchestrator
