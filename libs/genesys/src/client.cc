#include "blend/genesys/client.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "blend/common/status_macros.h"
#include "blend/genesys/regions.h"
#include "blend/phone/phone.h"
#include "blend/telemetry/log.h"
#include "nlohmann/json.hpp"
#include "response.h"
#include "string_bridge.h"
#include "token_provider.h"

namespace blend::genesys {

using internal::Sv;
using nlohmann::json;

namespace {

constexpr size_t kMaxSmsChars = 765;      // 5 segments of 153 (facts file §5)
constexpr size_t kMaxSubjectChars = 400;  // facts file §6

// Endpoint labels (metrics, logs, GenesysError::endpoint).
constexpr std::string_view kTokenEndpoint = "oauth_token";
constexpr std::string_view kSmsEndpoint = "agentless_sms";
constexpr std::string_view kEmailEndpoint = "agentless_email";
constexpr std::string_view kAddContactsEndpoint = "add_contacts";
constexpr std::string_view kGetContactEndpoint = "get_contact";
constexpr std::string_view kUpdateContactEndpoint = "update_contact";
constexpr std::string_view kDeleteContactEndpoint = "delete_contact";
constexpr std::string_view kDncAddEndpoint = "dnc_add_phonenumbers";
constexpr std::string_view kDncExportStartEndpoint = "dnc_export_start";
constexpr std::string_view kDncExportUriEndpoint = "dnc_export_uri";
constexpr std::string_view kDncExportDownloadEndpoint = "dnc_export_download";

size_t CodePoints(std::string_view utf8) {
  size_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80;
  return n;
}

// Percent-encodes everything but RFC 3986 unreserved characters: ids go into paths.
std::string Escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

absl::StatusOr<std::string> NormalizeBaseUrl(std::string_view url, std::string_view what) {
  std::string base(absl::StripSuffix(absl::StripAsciiWhitespace(Sv(url)), "/"));
  if (!absl::StartsWith(base, "http://") && !absl::StartsWith(base, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(what), " must start with http:// or https://, got '", Sv(url), "'"));
  }
  return base;
}

absl::Status RequireId(std::string_view id, std::string_view what) {
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(Sv(what), " must not be empty"));
  return absl::OkStatus();
}

absl::Status ValidateEmail(std::string_view email, std::string_view what) {
  size_t at = email.find('@');
  bool ok = at != std::string_view::npos && at > 0 && at + 1 < email.size() &&
            email.find('@', at + 1) == std::string_view::npos &&
            email.find_first_of(" \t\r\n<>,;") == std::string_view::npos;
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(Sv(what), " is not an email address: ", log::RedactEmail(email)));
}

json EmailJson(const EmailAddress& address) {
  json j = {{"email", address.email}};
  if (!address.name.empty()) j["name"] = address.name;
  return j;
}

std::string JsonString(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

DialerContact ContactFromJson(const json& j) {
  DialerContact contact;
  contact.id = JsonString(j, "id");
  contact.contact_list_id = JsonString(j, "contactListId");
  if (auto it = j.find("data"); it != j.end() && it->is_object()) {
    for (const auto& [key, value] : it->items()) {
      contact.data[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  if (auto it = j.find("callRecords"); it != j.end() && it->is_object()) {
    for (const auto& [column, record] : it->items()) {
      if (!record.is_object()) continue;
      CallRecord out;
      out.last_attempt = internal::ParseGenesysTime(JsonString(record, "lastAttempt"));
      out.last_result = JsonString(record, "lastResult");
      contact.call_records[column] = std::move(out);
    }
  }
  if (auto it = j.find("callable"); it != j.end() && it->is_boolean()) {
    contact.callable = it->get<bool>();
  }
  return contact;
}

// A failed token request means the API call never left: whatever happened to the token
// request itself (a timeout), the call's outcome is not in doubt.
absl::Status CallNotSent(absl::Status status) {
  std::optional<GenesysError> error = GetGenesysError(status);
  if (!error || !error->outcome_unknown) return status;
  error->outcome_unknown = false;
  return AttachGenesysError(std::move(status), *error);
}

}  // namespace

class GenesysClient::Impl {
 public:
  Impl(GenesysClientConfig config, GenesysHosts hosts, HttpTransport& transport, const Clock& clock,
       RequestObserver* observer)
      : config_(std::move(config)),
        hosts_(std::move(hosts)),
        transport_(transport),
        clock_(clock),
        observer_(observer),
        tokens_(clock, config_.token_refresh_margin, [this] { return FetchToken(); }) {}

  // One API call: a JSON body (or none), the bearer token, one refresh-and-retry on 401.
  struct Call {
    std::string_view endpoint;
    HttpMethod method = HttpMethod::kGet;
    std::string url;
    std::string body = {};
    bool authenticate = true;
    bool follow_redirects = false;
  };

  struct JsonResponse {
    json body;
    ResponseMeta meta;
  };

  absl::StatusOr<HttpResponse> Execute(const Call& call);
  absl::StatusOr<JsonResponse> ExecuteJson(const Call& call);

  std::string ApiUrl(std::string_view path) const {
    return absl::StrCat(hosts_.api_base_url, Sv(path));
  }
  absl::StatusOr<std::string> Phone(std::string_view raw, std::string_view what) const;

  const GenesysClientConfig config_;
  const GenesysHosts hosts_;
  HttpTransport& transport_;
  const Clock& clock_;
  RequestObserver* const observer_;

 private:
  absl::StatusOr<internal::FetchedToken> FetchToken();
  absl::StatusOr<HttpResponse> SendOnce(const Call& call, const std::string* token);
  void Observe(std::string_view endpoint, const absl::StatusOr<HttpResponse>& result,
               absl::Duration latency);

  internal::TokenProvider tokens_;
};

absl::StatusOr<std::string> GenesysClient::Impl::Phone(std::string_view raw,
                                                       std::string_view what) const {
  absl::StatusOr<std::string> e164 = phone::NormalizeE164(raw, config_.default_phone_region);
  if (e164.ok()) return e164;
  BLEND_LOG(kInfo, "genesys request rejected: invalid phone number",
            {{"field", std::string(what)}, {"phone", log::RedactPhone(raw)}});
  return absl::InvalidArgumentError(absl::StrCat(Sv(what), " is not a valid phone number (",
                                                 log::RedactPhone(raw), "); nothing was sent"));
}

void GenesysClient::Impl::Observe(std::string_view endpoint,
                                  const absl::StatusOr<HttpResponse>& result,
                                  absl::Duration latency) {
  if (observer_ == nullptr) return;
  std::string status;
  if (result.ok()) {
    status = absl::StrCat(result->status);
  } else {
    std::optional<GenesysError> err = GetGenesysError(result.status());
    status = err && !err->transport_error.empty() ? err->transport_error : "error";
  }
  observer_->OnRequest({endpoint, status, latency});
}

absl::StatusOr<HttpResponse> GenesysClient::Impl::SendOnce(const Call& call,
                                                           const std::string* token) {
  HttpRequest request;
  request.method = call.method;
  request.url = call.url;
  request.timeout = config_.request_timeout;
  request.follow_redirects = call.follow_redirects;
  request.headers.emplace_back("Accept", "application/json");
  // Like Genesys's SDKs: JSON content type on every write, even a bodiless POST (export).
  if (call.method != HttpMethod::kGet || !call.body.empty()) {
    request.headers.emplace_back("Content-Type", "application/json");
  }
  if (token != nullptr)
    request.headers.emplace_back("Authorization", absl::StrCat("Bearer ", *token));
  request.body = call.body;
  absl::Time start = clock_.Now();
  absl::StatusOr<HttpResponse> result = transport_.Send(request);
  Observe(call.endpoint, result, clock_.Now() - start);
  return result;
}

absl::StatusOr<HttpResponse> GenesysClient::Impl::Execute(const Call& call) {
  std::string token;
  if (call.authenticate) {
    absl::StatusOr<std::string> fetched = tokens_.Get();
    if (!fetched.ok()) return CallNotSent(fetched.status());
    token = *std::move(fetched);
  }
  absl::StatusOr<HttpResponse> result = SendOnce(call, call.authenticate ? &token : nullptr);
  if (call.authenticate && result.ok() && result->status == 401) {
    BLEND_LOG(kInfo, "genesys rejected the access token; refreshing it and retrying once",
              {{"endpoint", std::string(call.endpoint)}});
    absl::StatusOr<std::string> refreshed = tokens_.Refresh(token);
    if (!refreshed.ok()) return CallNotSent(refreshed.status());
    token = *std::move(refreshed);
    result = SendOnce(call, &token);
  }
  if (!result.ok()) {
    absl::Status status = internal::WithEndpoint(result.status(), call.endpoint);
    BLEND_LOG(kWarn, "genesys request failed without a response",
              {{"endpoint", std::string(call.endpoint)}, {"error", std::string(status.message())}});
    return status;
  }
  if (result->status < 200 || result->status >= 300) {
    absl::Status status = internal::StatusFromResponse(call.endpoint, *result, clock_.Now());
    BLEND_LOG(kWarn, "genesys request failed",
              {{"endpoint", std::string(call.endpoint)},
               {"http_status", absl::StrCat(result->status)},
               {"error", std::string(status.message())}});
    return status;
  }
  return result;
}

absl::StatusOr<GenesysClient::Impl::JsonResponse> GenesysClient::Impl::ExecuteJson(
    const Call& call) {
  BLEND_ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  JsonResponse out{json::object(), internal::MetaFromResponse(response)};
  if (absl::StripAsciiWhitespace(response.body).empty()) return out;
  out.body = json::parse(response.body, nullptr, false);
  if (out.body.is_discarded()) {
    // The call itself succeeded (a message may have gone out): report it, do not retry.
    return absl::InternalError(absl::StrCat("Genesys ", Sv(call.endpoint), ": HTTP ",
                                            response.status, " with a body that is not JSON"));
  }
  return out;
}

absl::StatusOr<internal::FetchedToken> GenesysClient::Impl::FetchToken() {
  HttpRequest request;
  request.method = HttpMethod::kPost;
  request.url = absl::StrCat(hosts_.login_base_url, "/oauth/token");
  request.timeout = config_.request_timeout;
  request.headers = {
      {"Authorization",
       absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(config_.client_id, ":",
                                                              config_.client_secret.Reveal())))},
      {"Content-Type", "application/x-www-form-urlencoded"},
      {"Accept", "application/json"}};
  request.body = "grant_type=client_credentials";
  absl::Time start = clock_.Now();
  absl::StatusOr<HttpResponse> result = transport_.Send(request);
  Observe(kTokenEndpoint, result, clock_.Now() - start);
  if (!result.ok()) return internal::WithEndpoint(result.status(), kTokenEndpoint);
  if (result->status != 200) {
    absl::Status status = internal::StatusFromTokenResponse(*result, clock_.Now());
    BLEND_LOG(kError, "genesys token request failed",
              {{"client_id", config_.client_id}, {"error", std::string(status.message())}});
    return status;
  }
  json j = json::parse(result->body, nullptr, false);
  std::string token = j.is_object() ? JsonString(j, "access_token") : "";
  if (token.empty()) {
    return absl::InternalError("Genesys oauth_token: HTTP 200 without an access_token");
  }
  int64_t expires_in = j.value("expires_in", int64_t{0});
  // Without expires_in assume an hour: Genesys tokens live 5 min to 48 h, and a 401 still
  // triggers a refresh if the guess is too long.
  absl::Duration lifetime = expires_in > 0 ? absl::Seconds(expires_in) : absl::Hours(1);
  BLEND_LOG(kInfo, "genesys access token obtained",
            {{"client_id", config_.client_id}, {"expires_in_s", absl::StrCat(expires_in)}});
  return internal::FetchedToken{std::move(token), lifetime};
}

absl::StatusOr<std::unique_ptr<GenesysClient>> GenesysClient::Create(GenesysClientConfig config,
                                                                     HttpTransport& transport,
                                                                     const Clock& clock,
                                                                     RequestObserver* observer) {
  if (config.client_id.empty() || config.client_secret.empty()) {
    return absl::InvalidArgumentError(
        "Genesys OAuth client id and secret are required (a client-credentials OAuth client)");
  }
  GenesysHosts hosts;
  if (config.api_base_url.empty()) {
    BLEND_ASSIGN_OR_RETURN(hosts, HostsForRegion(config.region));
  } else {
    BLEND_ASSIGN_OR_RETURN(hosts.api_base_url,
                           NormalizeBaseUrl(config.api_base_url, "API base URL"));
    hosts.login_base_url = LoginBaseForApiBase(hosts.api_base_url);
  }
  if (!config.login_base_url.empty()) {
    BLEND_ASSIGN_OR_RETURN(hosts.login_base_url,
                           NormalizeBaseUrl(config.login_base_url, "login base URL"));
  }
  auto impl =
      std::make_unique<Impl>(std::move(config), std::move(hosts), transport, clock, observer);
  return std::unique_ptr<GenesysClient>(new GenesysClient(std::move(impl)));
}

GenesysClient::GenesysClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GenesysClient::~GenesysClient() = default;

const std::string& GenesysClient::api_base_url() const { return impl_->hosts_.api_base_url; }
const std::string& GenesysClient::login_base_url() const { return impl_->hosts_.login_base_url; }

absl::StatusOr<AgentlessSmsResult> GenesysClient::SendAgentlessSms(
    const AgentlessSmsRequest& request) {
  BLEND_ASSIGN_OR_RETURN(std::string from, impl_->Phone(request.from_address, "fromAddress"));
  BLEND_ASSIGN_OR_RETURN(std::string to, impl_->Phone(request.to_address, "toAddress"));
  if (request.text_body.empty() || CodePoints(request.text_body) > kMaxSmsChars) {
    return absl::InvalidArgumentError(absl::StrCat("SMS textBody must have 1 to ", kMaxSmsChars,
                                                   " characters, has ",
                                                   CodePoints(request.text_body)));
  }
  json body = {{"fromAddress", from},
               {"toAddress", to},
               {"toAddressMessengerType", "sms"},
               {"textBody", request.text_body}};
  if (request.use_existing_active_conversation) body["useExistingActiveConversation"] = true;
  BLEND_ASSIGN_OR_RETURN(
      Impl::JsonResponse response,
      impl_->ExecuteJson({kSmsEndpoint, HttpMethod::kPost,
                          impl_->ApiUrl("/api/v2/conversations/messages/agentless"), body.dump()}));
  AgentlessSmsResult result;
  result.message_id = JsonString(response.body, "id");
  result.conversation_id = JsonString(response.body, "conversationId");
  result.to_address = std::move(to);
  result.timestamp = internal::ParseGenesysTime(JsonString(response.body, "timestamp"));
  result.meta = std::move(response.meta);
  return result;
}

absl::StatusOr<AgentlessEmailResult> GenesysClient::SendAgentlessEmail(
    const AgentlessEmailRequest& request) {
  BLEND_RETURN_IF_ERROR(ValidateEmail(request.from.email, "fromAddress"));
  BLEND_RETURN_IF_ERROR(ValidateEmail(request.to.email, "toAddresses[0]"));
  if (request.reply_to) BLEND_RETURN_IF_ERROR(ValidateEmail(request.reply_to->email, "replyTo"));
  if (CodePoints(request.subject) > kMaxSubjectChars) {
    return absl::InvalidArgumentError(
        absl::StrCat("email subject must have at most ", kMaxSubjectChars, " characters"));
  }
  if (request.text_body.empty() && request.html_body.empty()) {
    return absl::InvalidArgumentError("email needs a textBody or an htmlBody");
  }
  json body = {{"senderType", "Outbound"},
               {"fromAddress", EmailJson(request.from)},
               {"toAddresses", json::array({EmailJson(request.to)})}};
  if (request.reply_to) body["replyToAddress"] = EmailJson(*request.reply_to);
  if (!request.subject.empty()) body["subject"] = request.subject;
  if (!request.text_body.empty()) body["textBody"] = request.text_body;
  if (!request.html_body.empty()) body["htmlBody"] = request.html_body;
  if (!request.conversation_id.empty()) body["conversationId"] = request.conversation_id;
  BLEND_ASSIGN_OR_RETURN(
      Impl::JsonResponse response,
      impl_->ExecuteJson({kEmailEndpoint, HttpMethod::kPost,
                          impl_->ApiUrl("/api/v2/conversations/emails/agentless"), body.dump()}));
  return AgentlessEmailResult{JsonString(response.body, "id"),
                              JsonString(response.body, "conversationId"),
                              std::move(response.meta)};
}

absl::StatusOr<DialerContact> GenesysClient::InsertContact(const ContactInsertion& insertion) {
  BLEND_RETURN_IF_ERROR(RequireId(insertion.contact_list_id, "contact list id"));
  BLEND_RETURN_IF_ERROR(RequireId(insertion.touch_id.value(), "touch id"));
  BLEND_ASSIGN_OR_RETURN(std::string phone, impl_->Phone(insertion.phone, "contact phone"));
  json data = json::object();
  for (const auto& [column, value] : insertion.extra_data) data[column] = value;
  data[insertion.phone_column] = phone;
  data[insertion.touch_id_column] = insertion.touch_id.value();
  json contact = {{"contactListId", insertion.contact_list_id}, {"data", data}};
  if (insertion.callable) contact["callable"] = *insertion.callable;
  if (!insertion.contact_id.empty()) contact["id"] = insertion.contact_id;
  std::string url = impl_->ApiUrl(
      absl::StrCat("/api/v2/outbound/contactlists/", Escape(insertion.contact_list_id),
                   "/contacts?priority=", insertion.priority ? "true" : "false"));
  if (insertion.clear_system_data) absl::StrAppend(&url, "&clearSystemData=true");
  if (insertion.do_not_queue) absl::StrAppend(&url, "&doNotQueue=true");
  BLEND_ASSIGN_OR_RETURN(Impl::JsonResponse response,
                         impl_->ExecuteJson({kAddContactsEndpoint, HttpMethod::kPost, url,
                                             json::array({contact}).dump()}));
  if (!response.body.is_array() || response.body.empty() || !response.body[0].is_object()) {
    return absl::InternalError(
        "Genesys add_contacts: success without the stored contact in the response");
  }
  DialerContact stored = ContactFromJson(response.body[0]);
  stored.meta = std::move(response.meta);
  return stored;
}

// The URL of one contact, after checking both ids (GetContact, DeleteContact, SetContactCallable).
absl::StatusOr<std::string> GenesysClient::ContactUrl(std::string_view contact_list_id,
                                                      std::string_view contact_id) const {
  BLEND_RETURN_IF_ERROR(RequireId(contact_list_id, "contact list id"));
  BLEND_RETURN_IF_ERROR(RequireId(contact_id, "contact id"));
  return impl_->ApiUrl(absl::StrCat("/api/v2/outbound/contactlists/", Escape(contact_list_id),
                                    "/contacts/", Escape(contact_id)));
}

absl::StatusOr<DialerContact> GenesysClient::GetContact(std::string_view contact_list_id,
                                                        std::string_view contact_id) {
  BLEND_ASSIGN_OR_RETURN(std::string url, ContactUrl(contact_list_id, contact_id));
  BLEND_ASSIGN_OR_RETURN(Impl::JsonResponse response,
                         impl_->ExecuteJson({kGetContactEndpoint, HttpMethod::kGet, url}));
  DialerContact contact = ContactFromJson(response.body);
  contact.meta = std::move(response.meta);
  return contact;
}

absl::StatusOr<ResponseMeta> GenesysClient::DeleteContact(std::string_view contact_list_id,
                                                          std::string_view contact_id) {
  BLEND_ASSIGN_OR_RETURN(std::string url, ContactUrl(contact_list_id, contact_id));
  absl::StatusOr<HttpResponse> response =
      impl_->Execute({kDeleteContactEndpoint, HttpMethod::kDelete, url});
  if (response.ok()) return internal::MetaFromResponse(*response);
  std::optional<GenesysError> err = GetGenesysError(response.status());
  if (err && err->http_status == 404) {
    // Already gone (removed before, or never inserted): what the caller wanted.
    return ResponseMeta{404, err->correlation_id, err->rate_limit};
  }
  return response.status();
}

absl::StatusOr<DialerContact> GenesysClient::SetContactCallable(std::string_view contact_list_id,
                                                                std::string_view contact_id,
                                                                bool callable) {
  BLEND_ASSIGN_OR_RETURN(std::string url, ContactUrl(contact_list_id, contact_id));
  BLEND_ASSIGN_OR_RETURN(Impl::JsonResponse current,
                         impl_->ExecuteJson({kGetContactEndpoint, HttpMethod::kGet, url}));
  if (!current.body.is_object()) {
    return absl::InternalError("Genesys get_contact: success without a contact in the response");
  }
  if (auto it = current.body.find("callable");
      it != current.body.end() && it->is_boolean() && it->get<bool>() == callable) {
    DialerContact unchanged = ContactFromJson(current.body);
    unchanged.meta = std::move(current.meta);
    return unchanged;
  }
  // The PUT replaces the contact: send back what makes it up (as Genesys's Terraform
  // provider does), leaving out what the dialer owns (callRecords, dates, selfUri).
  json body = {{"contactListId", std::string(contact_list_id)},
               {"data", current.body.value("data", json::object())},
               {"callable", callable}};
  for (const char* key : {"phoneNumberStatus", "contactableStatus"}) {
    if (auto it = current.body.find(key); it != current.body.end() && it->is_object()) {
      body[key] = *it;
    }
  }
  BLEND_ASSIGN_OR_RETURN(
      Impl::JsonResponse updated,
      impl_->ExecuteJson({kUpdateContactEndpoint, HttpMethod::kPut, url, body.dump()}));
  DialerContact contact = ContactFromJson(updated.body);
  contact.meta = std::move(updated.meta);
  return contact;
}

absl::StatusOr<ResponseMeta> GenesysClient::AddNumbersToDncList(
    std::string_view dnc_list_id, const std::vector<std::string>& numbers,
    std::optional<absl::Time> expiration) {
  BLEND_RETURN_IF_ERROR(RequireId(dnc_list_id, "DNC list id"));
  if (numbers.empty()) return absl::InvalidArgumentError("no phone numbers to add to the DNC list");
  json body = json::array();
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < numbers.size(); ++i) {
    BLEND_ASSIGN_OR_RETURN(std::string e164,
                           impl_->Phone(numbers[i], absl::StrCat("phone number #", i)));
    if (seen.insert(e164).second) body.push_back(std::move(e164));
  }
  std::string url = impl_->ApiUrl(
      absl::StrCat("/api/v2/outbound/dnclists/", Escape(dnc_list_id), "/phonenumbers"));
  if (expiration) {
    absl::StrAppend(&url, "?expirationDateTime=",
                    Escape(absl::FormatTime("%Y-%m-%dT%H:%MZ", *expiration, absl::UTCTimeZone())));
  }
  BLEND_ASSIGN_OR_RETURN(
      Impl::JsonResponse response,
      impl_->ExecuteJson({kDncAddEndpoint, HttpMethod::kPost, url, body.dump()}));
  return std::move(response.meta);
}

absl::StatusOr<DncExportJob> GenesysClient::StartDncExport(std::string_view dnc_list_id) {
  BLEND_RETURN_IF_ERROR(RequireId(dnc_list_id, "DNC list id"));
  absl::Time requested_at = impl_->clock_.Now();
  std::string url =
      impl_->ApiUrl(absl::StrCat("/api/v2/outbound/dnclists/", Escape(dnc_list_id), "/export"));
  BLEND_ASSIGN_OR_RETURN(Impl::JsonResponse response,
                         impl_->ExecuteJson({kDncExportStartEndpoint, HttpMethod::kPost, url}));
  return DncExportJob{JsonString(response.body, "id"), requested_at, std::move(response.meta)};
}

absl::StatusOr<ExportUri> GenesysClient::GetDncExportUri(std::string_view dnc_list_id) {
  BLEND_RETURN_IF_ERROR(RequireId(dnc_list_id, "DNC list id"));
  std::string url = impl_->ApiUrl(
      absl::StrCat("/api/v2/outbound/dnclists/", Escape(dnc_list_id), "/export?download=false"));
  BLEND_ASSIGN_OR_RETURN(Impl::JsonResponse response,
                         impl_->ExecuteJson({kDncExportUriEndpoint, HttpMethod::kGet, url}));
  return ExportUri{JsonString(response.body, "uri"),
                   internal::ParseGenesysTime(JsonString(response.body, "exportTimestamp")),
                   std::move(response.meta)};
}

absl::StatusOr<DncExportFile> GenesysClient::DownloadDncExport(std::string_view uri) {
  if (uri.empty()) return absl::InvalidArgumentError("DNC export URI is empty");
  std::string url = absl::StartsWith(Sv(uri), "/") ? impl_->ApiUrl(uri) : std::string(uri);
  // Only Genesys's own API host gets the token; a pre-signed storage URL must not.
  bool to_api = absl::StartsWith(url, absl::StrCat(impl_->hosts_.api_base_url, "/"));
  Impl::Call call{kDncExportDownloadEndpoint, HttpMethod::kGet, url};
  call.authenticate = to_api;
  call.follow_redirects = true;
  BLEND_ASSIGN_OR_RETURN(HttpResponse response, impl_->Execute(call));
  BLEND_ASSIGN_OR_RETURN(DncExportFile file,
                         ParseDncExportCsv(response.body, impl_->config_.default_phone_region));
  BLEND_LOG(kInfo, "genesys DNC export downloaded",
            {{"numbers", absl::StrCat(file.numbers.size())},
             {"skipped_rows", absl::StrCat(file.skipped_rows)}});
  return file;
}

absl::StatusOr<DncExportFile> GenesysClient::ExportDncList(std::string_view dnc_list_id,
                                                           const DncExportPolicy& policy) {
  BLEND_ASSIGN_OR_RETURN(DncExportJob job, StartDncExport(dnc_list_id));
  const absl::Time not_before = job.requested_at - policy.clock_skew_tolerance;
  for (int poll = 0; poll < policy.max_polls; ++poll) {
    if (poll > 0) {
      if (policy.sleep) {
        policy.sleep(policy.poll_interval);
      } else {
        absl::SleepFor(policy.poll_interval);
      }
    }
    absl::StatusOr<ExportUri> uri = GetDncExportUri(dnc_list_id);
    if (!uri.ok() && uri.status().code() != absl::StatusCode::kNotFound) return uri.status();
    bool fresh = uri.ok() && !uri->uri.empty() &&
                 (!uri->export_timestamp || *uri->export_timestamp >= not_before);
    if (fresh) return DownloadDncExport(uri->uri);
  }
  return absl::UnavailableError(absl::StrCat("Genesys DNC export of list ", Sv(dnc_list_id),
                                             " was not ready after ", policy.max_polls,
                                             " polls; try again later"));
}

}  // namespace blend::genesys
