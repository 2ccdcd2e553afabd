// OAuth token endpoint and agentless SMS / email.

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "blend/genesys_sim/api_error.h"
#include "blend/genesys_sim/sim.h"
#include "blend/genesys_sim/util.h"
#include "sim_internal.h"

namespace blend::genesys_sim {

using internal::ErrorResponse;
using internal::InvalidValue;
using internal::JsonResponse;
using nlohmann::json;

namespace {

constexpr size_t kMaxSmsChars = 765;  // 5 segments of 153 (Genesys's API limit)
constexpr size_t kMaxSubjectChars = 400;

// OAuth-style error of the login host: {"error", "description", "error_description"}.
HttpResponse OAuthError(int status, const std::string& error, const std::string& description) {
  return JsonResponse(
      status, {{"error", error}, {"description", description}, {"error_description", description}});
}

// The client id and secret from "Authorization: Basic ...", else from the form body.
bool ClientCredentials(const HttpRequest& req, const std::map<std::string, std::string>& form,
                       std::string* id, std::string* secret) {
  std::string auth = req.Header("authorization");
  if (auth.size() > 6 && absl::EqualsIgnoreCase(auth.substr(0, 6), "basic ")) {
    std::string decoded;
    if (!absl::Base64Unescape(absl::StripAsciiWhitespace(auth.substr(6)), &decoded)) return false;
    size_t colon = decoded.find(':');
    if (colon == std::string::npos) return false;
    *id = decoded.substr(0, colon);
    *secret = decoded.substr(colon + 1);
    return true;
  }
  auto i = form.find("client_id");
  auto s = form.find("client_secret");
  if (i == form.end() || s == form.end()) return false;
  *id = i->second;
  *secret = s->second;
  return true;
}

std::string StringField(const json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : "";
}

absl::Status ValidateSms(const json& body, const MessagingState& messaging) {
  if (!body.is_object())
    return InvalidValue("The body must be a SendAgentlessOutboundMessageRequest.");
  std::string type = StringField(body, "toAddressMessengerType");
  if (type.empty()) return InvalidValue("toAddressMessengerType is required.");
  if (type != "sms") {
    return InvalidValue(absl::StrCat("toAddressMessengerType '", type,
                                     "' is not supported by this simulator (only sms)."));
  }
  std::string from = StringField(body, "fromAddress");
  if (!messaging.IsSmsSender(from)) {
    return InvalidValue(absl::StrCat("fromAddress '", from,
                                     "' is not an SMS number provisioned in this organization."));
  }
  if (!IsE164(StringField(body, "toAddress"))) {
    return InvalidValue("toAddress must be a phone number in E.164 format, e.g. +13175550100.");
  }
  std::string text = StringField(body, "textBody");
  if (text.empty()) return InvalidValue("textBody is required for SMS.");
  if (text.size() > kMaxSmsChars) {
    return GenesysError(absl::StatusCode::kInvalidArgument, "constraint.validation",
                        absl::StrCat("textBody is ", text.size(),
                                     " characters; SMS allows at most ", kMaxSmsChars, "."));
  }
  return absl::OkStatus();
}

}  // namespace

HttpResponse GenesysSim::HandleToken(Call& call) {
  if (call.req.method != "POST") {
    return ErrorResponse(call.correlation_id, 405, "method.not.allowed", "Use POST /oauth/token.");
  }
  std::map<std::string, std::string> form = internal::ParseForm(call.req.body);
  std::string id, secret;
  if (!ClientCredentials(call.req, form, &id, &secret)) {
    return OAuthError(401, "invalid_client", "client authentication is required (HTTP Basic)");
  }
  call.client_id = id;
  if (form["grant_type"] != "client_credentials") {
    return OAuthError(400, "unauthorized_client",
                      "grant_type must be client_credentials for this client");
  }
  absl::StatusOr<IssuedToken> token = tokens_.Issue(id, secret);
  if (!token.ok()) {
    call.client_id.clear();  // not authenticated: do not attribute the request
    return OAuthError(401, "invalid_client", "client not found or bad client secret");
  }
  return JsonResponse(200, {{"access_token", token->access_token},
                            {"token_type", "bearer"},
                            {"expires_in", token->expires_in_seconds}});
}

HttpResponse GenesysSim::HandleSendSms(Call& call) {
  absl::StatusOr<json> body = internal::ParseJsonBody(call.req);
  if (!body.ok()) return ErrorResponse(call.correlation_id, body.status());
  call.touch_id = internal::ExtractTouchIds(*body, call.req);
  call.to_address = StringField(*body, "toAddress");
  if (absl::Status st = ValidateSms(*body, messaging_); !st.ok()) {
    return ErrorResponse(call.correlation_id, st);
  }
  std::string from = StringField(*body, "fromAddress");
  if (config_.reject_opted_out_sms && messaging_.IsOptedOut(from, call.to_address)) {
    messages_.Add({{"channel", "sms"}, {"status", "rejected_opted_out"}}).Increment();
    return ErrorResponse(
        call.correlation_id, 400, "recipient.opted.out",
        "The recipient has opted out of messages from this number (replied STOP).");
  }
  SentSms sms =
      messaging_.RecordSms(from, call.to_address, StringField(*body, "textBody"), call.touch_id);
  messages_.Add({{"channel", "sms"}, {"status", sms.status}}).Increment();
  std::string self_uri =
      absl::StrCat("/api/v2/conversations/messages/", sms.conversation_id, "/messages/", sms.id);
  json out = {
      {"id", sms.id},
      {"conversationId", sms.conversation_id},
      {"fromAddress", sms.from_address},
      {"toAddress", sms.to_address},
      {"messengerType", "sms"},
      {"useExistingActiveConversation", body->value("useExistingActiveConversation", false)},
      {"timestamp", FormatIso(sms.time)},
      {"selfUri", self_uri}};
  if (call.req.Query("useNormalizedMessage") == "true") {
    out["message"] = {{"id", sms.id},
                      {"timestamp", FormatIso(sms.time)},
                      {"fromAddress", sms.from_address},
                      {"toAddress", sms.to_address},
                      {"direction", "outbound"},
                      {"messengerType", "sms"},
                      {"textBody", sms.text},
                      {"status", sms.status},
                      {"conversationId", sms.conversation_id},
                      {"selfUri", self_uri}};
  } else {
    out["textBody"] = sms.text;
  }
  return JsonResponse(200, out);
}

namespace {

absl::Status ValidateEmail(const json& body, const MessagingState& messaging) {
  if (!body.is_object()) return InvalidValue("The body must be an AgentlessEmailSendRequestDto.");
  if (StringField(body, "senderType") != "Outbound") {
    return InvalidValue("senderType is required and must be Outbound.");
  }
  const json from = body.value("fromAddress", json::object());
  std::string from_email = from.is_object() ? StringField(from, "email") : "";
  if (!messaging.IsEmailSender(from_email)) {
    return InvalidValue(absl::StrCat("fromAddress.email '", from_email,
                                     "' is not an agentless email address of this organization."));
  }
  const json to = body.value("toAddresses", json::array());
  if (!to.is_array() || to.size() != 1 || !to[0].is_object()) {
    return InvalidValue("toAddresses must hold exactly one recipient.");
  }
  std::string email = StringField(to[0], "email");
  size_t at = email.find('@');
  if (at == std::string::npos || at == 0 || at > 64 || at + 1 >= email.size()) {
    return InvalidValue(absl::StrCat("toAddresses[0].email is not a valid email address."));
  }
  if (StringField(body, "subject").size() > kMaxSubjectChars) {
    return GenesysError(absl::StatusCode::kInvalidArgument, "constraint.validation",
                        "subject allows at most 400 characters.");
  }
  return absl::OkStatus();
}

}  // namespace

HttpResponse GenesysSim::HandleSendEmail(Call& call) {
  absl::StatusOr<json> body = internal::ParseJsonBody(call.req);
  if (!body.ok()) return ErrorResponse(call.correlation_id, body.status());
  call.touch_id = internal::ExtractTouchIds(*body, call.req);
  if (body->is_object() && body->contains("toAddresses") && (*body)["toAddresses"].is_array() &&
      !(*body)["toAddresses"].empty() && (*body)["toAddresses"][0].is_object()) {
    call.to_address = StringField((*body)["toAddresses"][0], "email");
  }
  if (absl::Status st = ValidateEmail(*body, messaging_); !st.ok()) {
    return ErrorResponse(call.correlation_id, st);
  }
  std::string subject = StringField(*body, "subject");
  SentEmail email = messaging_.RecordEmail(StringField((*body)["fromAddress"], "email"),
                                           call.to_address, subject, call.touch_id);
  messages_.Add({{"channel", "email"}, {"status", "sent"}}).Increment();
  json out = {{"id", email.id},
              {"conversationId", email.conversation_id},
              {"senderType", "Outbound"},
              {"fromAddress", (*body)["fromAddress"]},
              {"toAddresses", (*body)["toAddresses"]},
              {"subject", subject},
              {"dateCreated", FormatIso(email.time)},
              {"selfUri", absl::StrCat("/api/v2/conversations/emails/", email.conversation_id,
                                       "/messages/", email.id)}};
  if (body->contains("replyToAddress")) out["replyToAddress"] = (*body)["replyToAddress"];
  return JsonResponse(200, out);
}

}  // namespace blend::genesys_sim
