// RecordSuppression (suppression_write.h).

#include "blend/orchestrator/suppression_write.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "blend/orchestrator/codec.h"
#include "blend/telemetry/log.h"

namespace blend::orchestrator {
namespace {

// Why a withdrawal was asked for, as WithdrawTouch.reason and the touch row say it.
std::string WithdrawReason(const consent::Record& r) {
  switch (r.reason) {
    case consent::Reason::kOptOut:
      return "opted_out";
    case consent::Reason::kDnc:
      return "dnc_active";
    default:
      return absl::StrCat("suppressed: ", std::string(consent::ReasonName(r.reason)));
  }
}

}  // namespace

consent::Subject SubjectOf(const blend::v1::Customer& c) {
  return consent::Subject{c.customer_id(), c.phone_e164(), c.email()};
}

consent::OptOutScope ScopeOf(const journey::CompiledCampaign& campaign) {
  return campaign.policies().opt_out_scope == journey::OptOutScope::kChannel
             ? consent::OptOutScope::kChannel
             : consent::OptOutScope::kAll;
}

SuppressionPut RecordSuppression(JourneyStore& store, JourneyStepper& stepper,
                                 const consent::Record& record, absl::Time now, TxNotes& notes) {
  SuppressionPut put = store.PutSuppression(record, now);
  // One WithdrawTouch per touch, ever: a repeated put finds them withdrawn already.
  std::vector<std::string> blocked;  // journeys whose queued calls the record blocks
  for (const JourneyRow& row :
       store.LockJourneysWithWithdrawableVoice(record.customer_id, record.address)) {
    auto customer = CustomerFromJson(row.customer_json);
    auto campaign = stepper.CampaignOf(store, row);
    if (!customer.ok() || !campaign.ok()) {
      BLEND_LOG(kError, "journey unreadable; its voice contacts are not withdrawn",
                {{"journey_id", row.journey_id}});
      continue;
    }
    if (!consent::Applies(put.record, SubjectOf(*customer), now) ||
        !consent::Blocks(put.record, Channel::kVoice, ScopeOf(**campaign))) {
      continue;
    }
    blocked.push_back(row.journey_id);
  }
  // One withdrawal request for all of them: they share the record's reason.
  if (!blocked.empty()) {
    const std::string reason = WithdrawReason(put.record);
    stepper.WriteWithdrawals(store, store.RequestJourneysVoiceWithdrawals(blocked, reason, now),
                             reason, now, notes);
  }
  notes.suppressions.emplace_back(consent::ReasonName(record.reason));
  return put;
}

}  // namespace blend::orchestrator
