// Withdrawals: taking a voice touch's contact back out of the Genesys dialer.
//
// A voice touch goes pending -> claimed (the dialer got the grant and inserts the contact into
// a Genesys contact list) -> sent (contact inserted, no call yet) -> done (the call outcome).
// Between the claim and the call outcome Genesys may dial the customer at any moment. When the
// journey ends (payment, cancel, failure, timeout) or the customer's voice channel becomes
// blocked (opt-out, DNC), the orchestrator writes a blend.v1.WithdrawTouch to the outbox in the
// same transaction; the dialer removes the contact (or makes it uncallable) and answers with a
// Disposition (WITHDRAWN, or the real call outcome when Genesys had already dialed).
//
// Which touches: see pg::RequestJourneyVoiceWithdrawals. A pending or deferred touch is not
// withdrawn: it may already be on the topic, but it is cancelled in the same transaction and
// the claim fence refuses a cancelled touch before the dialer inserts anything.

#include <nlohmann/json.hpp>

#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/telemetry/log.h"

namespace blend::orchestrator {

void JourneyRunner::WithdrawJourneyVoiceTouches(pqxx::work& tx, const std::string& journey_id,
                                                const std::string& reason, absl::Time now,
                                                TxNotes& notes) {
  WriteWithdrawals(tx, pg::RequestJourneyVoiceWithdrawals(tx, journey_id, reason, now), reason, now,
                   notes);
}

void JourneyRunner::WriteWithdrawals(pqxx::work& tx, const std::vector<pg::WithdrawnTouch>& rows,
                                     const std::string& reason, absl::Time now, TxNotes& notes) {
  for (const pg::WithdrawnTouch& row : rows) {
    blend::v1::TouchCommand cmd;
    if (!cmd.ParseFromString(row.command)) {
      // Still withdrawn by contact id; only the contact list id is missing. Say so loudly: the
      // dialer cannot remove a contact without its list.
      BLEND_LOG(kError, "stored touch command unreadable; withdrawal without contact list",
                {{"touch_id", row.touch_id}, {"journey_id", row.journey_id}});
      cmd.set_touch_id(row.touch_id);
      cmd.set_journey_id(row.journey_id);
    }
    blend::v1::WithdrawTouch w = MakeWithdrawTouch(cmd, row.genesys_contact_id, reason, now);
    // Keyed by the journey id like the TouchCommand, on the same topic: the relay publishes a
    // key's rows in id order and the partition keeps that order, so the dialer sees the
    // insertion before its withdrawal.
    pg::InsertOutbox(tx, TouchTopicFor(Channel::kVoice, ctx_.options().topic_prefix),
                     row.journey_id, WithdrawEnvelopeBytes(w), now, now);
    pg::AppendHistory(tx, row.journey_id,
                      pg::HistoryRow{0, now, "touch_withdraw_requested", "",
                                     nlohmann::json{{"touchId", w.touch_id()},
                                                    {"contactId", w.contact_id()},
                                                    {"contactListId", w.contact_list_id()},
                                                    {"reason", w.reason()}}
                                         .dump()});
    notes.withdrawals.emplace_back(ChannelName(Channel::kVoice));
  }
}

}  // namespace blend::orchestrator
