#include "blend/dialer_worker/webhook_event.h"

#include "absl/strings/ascii.h"
#include "nlohmann/json.hpp"

namespace blend::dialer_worker {
namespace {

using nlohmann::json;
constexpr char kPostContactTopic[] = "v2.outbound.voice.campaigns.contact.postContact";

std::string Str(const json& j, std::string_view key) {
  if (!j.is_object()) return std::string();
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

absl::StatusOr<PostContactEvent> ParsePostContact(std::string_view body,
                                                  std::string_view touch_id_column) {
  json envelope = json::parse(body, nullptr, false);
  if (!envelope.is_object() || Str(envelope, "id").empty()) {
    return absl::InvalidArgumentError("not an EventBridge event");
  }
  auto detail = envelope.find("detail");
  if (detail == envelope.end() || !detail->is_object()) {
    return absl::InvalidArgumentError("not an EventBridge event");
  }
  PostContactEvent out;
  out.event_id = Str(envelope, "id");
  std::string topic = Str(*detail, "topicName");
  if (topic.empty()) topic = Str(envelope, "detail-type");
  auto event = detail->find("eventBody");
  out.is_post_contact = topic == kPostContactTopic && event != detail->end();
  if (!out.is_post_contact) return out;
  out.contact_list_id = Str(*event, "outboundContactListId");
  out.contact_id = Str(*event, "outboundContactId");
  out.wrapup_code = Str(*event, "wrapupCode");
  out.call_analysis_disposition = Str(*event, "callAnalysisDisposition");
  out.conversation_id = Str(*event, "conversationId");
  if (event->is_object()) {
    auto data = event->find("contactData");
    if (data != event->end()) out.touch_id = Str(*data, touch_id_column);
  }
  return out;
}

absl::StatusOr<InboundSmsEvent> ParseInboundSms(std::string_view body) {
  json msg = json::parse(body, nullptr, false);
  InboundSmsEvent out{Str(msg, "messageId"), Str(msg, "fromAddress"), Str(msg, "textBody")};
  if (out.message_id.empty() || out.from.empty()) {
    return absl::InvalidArgumentError("need messageId, fromAddress and textBody");
  }
  return out;
}

bool SignatureHeaderWellFormed(std::string_view signature) {
  if (signature.size() != 7 + 64 || signature.substr(0, 7) != "sha256=") return false;
  for (char c : signature.substr(7)) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace blend::dialer_worker
