#include "blend/dialer_worker/voice_sender.h"

#include "absl/strings/str_cat.h"
#include "blend/common/status_macros.h"
#include "blend/genesys/contact_id.h"
#include "blend/genesys/error.h"
#include "blend/telemetry/log.h"
#include "blend/worker/touch_tagging_transport.h"

namespace blend::dialer_worker {
namespace {

// A request that left but whose answer did not come back: it may or may not have landed.
bool AnswerLost(const absl::Status& status) {
  std::optional<genesys::GenesysError> err = genesys::GetGenesysError(status);
  return err && err->outcome_unknown;
}

// kUnavailable without outcome_unknown: the worker retries the touch later (its backoff),
// which is safe because the insertion is an idempotent upsert.
absl::Status HandBack(std::string why) { return absl::UnavailableError(std::move(why)); }

}  // namespace

absl::StatusOr<worker::SendReceipt> VoiceSender::Send(const v1::TouchCommand& touch) {
  if (touch.customer().phone_e164().empty()) {
    return absl::InvalidArgumentError("voice touch for a customer without a phone number");
  }
  genesys::ContactInsertion insertion;
  insertion.contact_list_id = touch.genesys().contact_list_id().empty()
                                  ? options_.default_contact_list_id
                                  : touch.genesys().contact_list_id();
  insertion.touch_id = TouchId(touch.touch_id());
  insertion.phone = touch.customer().phone_e164();
  insertion.phone_column = options_.phone_column;
  insertion.touch_id_column = options_.touch_id_column;
  if (!options_.customer_id_column.empty() && !touch.customer().customer_id().empty()) {
    insertion.extra_data[options_.customer_id_column] = touch.customer().customer_id();
  }
  insertion.contact_id = genesys::ContactIdForTouch(touch.touch_id());
  insertion.priority = true;
  // An existing contact (an earlier attempt of this touch landed) keeps its place and is not
  // dialled again.
  insertion.do_not_queue = true;
  worker::SendReceipt receipt;
  receipt.provider_ids["contactId"] = insertion.contact_id;
  receipt.provider_ids["contactListId"] = insertion.contact_list_id;

  worker::ScopedTouchId tag(touch.touch_id());
  absl::Status last;
  const int attempts = std::max(1, options_.insert_attempts);
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) {
      absl::Duration wait = options_.retry_delay * (1 << std::min(attempt - 2, 16));
      if (options_.sleep) {
        options_.sleep(wait);
      } else {
        absl::SleepFor(wait);
      }
      BLEND_RETURN_IF_ERROR(TakeQuota("a retried contact insertion"));
    }
    absl::StatusOr<genesys::DialerContact> contact = client_.InsertContact(insertion);
    if (contact.ok()) {
      if (!contact->id.empty()) receipt.provider_ids["contactId"] = contact->id;
      return receipt;
    }
    if (!AnswerLost(contact.status())) return contact.status();  // a definite answer
    last = contact.status();
    BLEND_LOG(kWarn, "voice contact insertion: answer lost",
              {{"touch_id", touch.touch_id()},
               {"attempt", absl::StrCat(attempt)},
               {"error", std::string(last.message())}});
  }
  // Every answer was lost: read the contact back by its id.
  BLEND_RETURN_IF_ERROR(TakeQuota("the read-back of a contact insertion"));
  absl::StatusOr<genesys::DialerContact> stored =
      client_.GetContact(insertion.contact_list_id, insertion.contact_id);
  if (!stored.ok()) {
    return HandBack(absl::StrCat("contact insertion not confirmed after ", attempts, " attempts (",
                                 last.message(), "); read-back: ", stored.status().message()));
  }
  auto it = stored->data.find(options_.touch_id_column);
  if (it == stored->data.end() || it->second != touch.touch_id()) {
    return absl::InternalError(absl::StrCat("contact ", insertion.contact_id, " in list ",
                                            insertion.contact_list_id,
                                            " holds another touch; not taken for this one"));
  }
  BLEND_LOG(kInfo, "voice contact insertion confirmed by read-back",
            {{"touch_id", touch.touch_id()}, {"contact_id", insertion.contact_id}});
  return receipt;
}

absl::Status VoiceSender::TakeQuota(const char* what) {
  if (quota_ == nullptr) return absl::OkStatus();
  absl::StatusOr<quota::QuotaGovernor::Decision> d = quota_->TryAcquire();
  if (d.ok() && d->granted) return absl::OkStatus();
  return HandBack(absl::StrCat("no quota left for ", what, "; the touch is retried later"));
}

}  // namespace blend::dialer_worker
