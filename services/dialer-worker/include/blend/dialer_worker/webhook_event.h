#pragma once

// The parsers of the dialer's webhook bodies (untrusted input from the network; fuzzed by
// fuzz/webhook_fuzzer.cc), and the shape check of their signature header, kept apart from
// the handling so both can be tested and fuzzed without PostgreSQL or Kafka.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace blend::dialer_worker {

// What a postContact EventBridge envelope says (fields absent from the event are empty).
struct PostContactEvent {
  std::string event_id;          // envelope "id": the deduplication key
  bool is_post_contact = false;  // detail.topicName (or detail-type) is postContact
  std::string contact_list_id;   // detail.eventBody.outboundContactListId
  std::string contact_id;        // detail.eventBody.outboundContactId
  std::string touch_id;          // detail.eventBody.contactData[<touch id column>]
  std::string wrapup_code;
  std::string call_analysis_disposition;
  std::string conversation_id;
};

// kInvalidArgument when `body` is not an EventBridge envelope (a JSON object with an "id" and
// a "detail" object). An envelope of another topic parses with is_post_contact false.
absl::StatusOr<PostContactEvent> ParsePostContact(std::string_view body,
                                                  std::string_view touch_id_column);

// An inbound message as the inbound message flow's data action posts it.
struct InboundSmsEvent {
  std::string message_id;
  std::string from;
  std::string text;
};

// kInvalidArgument unless `body` is a JSON object with non-empty "messageId" and
// "fromAddress" strings ("textBody" may be absent).
absl::StatusOr<InboundSmsEvent> ParseInboundSms(std::string_view body);

// "sha256=" followed by 64 hex digits: the only X-Blend-Signature that can match. Checked on
// the headers, before the body is read; the HMAC itself needs the body.
bool SignatureHeaderWellFormed(std::string_view signature);

}  // namespace blend::dialer_worker
