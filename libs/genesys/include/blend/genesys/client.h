#pragma once

// GenesysClient: the Genesys Cloud Platform API calls Blend makes (agentless SMS and
// email, priority contact insertion, contact read-back, removal and make-uncallable,
// internal DNC list writes and export), authenticated with the OAuth client-credentials
// grant.
//
// Lifecycle: built once per OAuth client with Create(); the transport, clock and observer
// passed in must outlive it. Thread-safe: any number of threads may call it at once; they
// share one cached token and at most one token request is in flight at a time.
//
// Behaviour every call shares:
//  - The token is fetched on first use and refreshed ahead of its expiry (see
//    token_refresh_margin). A 401 from the API triggers exactly one token refresh and one
//    retry; a second 401 is returned (kUnauthenticated).
//  - No other retries: every failure is returned, classified by Status code with a
//    GenesysError payload (see error.h); retry policy belongs to the caller.
//  - Phone numbers are normalised to E.164 first; an invalid one is rejected with
//    kInvalidArgument before any request is made.
//  - Logs (BLEND_LOG) never contain a phone number or email in clear.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"
#include "blend/common/ids.h"
#include "blend/common/secret.h"
#include "blend/genesys/dnc_csv.h"
#include "blend/genesys/error.h"
#include "blend/genesys/http_transport.h"
#include "blend/genesys/metrics.h"

namespace blend::genesys {

struct GenesysClientConfig {
  // Region id ("us-east-1") or Genesys domain ("mypurecloud.com"); see regions.h.
  std::string region = "us-east-1";
  // Overrides (e.g. "http://127.0.0.1:7480" for genesys-sim). An empty login override
  // with a set API override derives the login base from it (LoginBaseForApiBase).
  std::string api_base_url = {};
  std::string login_base_url = {};
  std::string client_id = {};
  Secret client_secret = {};
  // Deadline of each HTTP exchange.
  absl::Duration request_timeout = absl::Seconds(10);
  // A token is replaced this long before it expires (at most half its lifetime early).
  absl::Duration token_refresh_margin = absl::Minutes(5);
  // Region for phone numbers written without a country code.
  std::string default_phone_region = "US";
};

// Response metadata every successful call returns.
struct ResponseMeta {
  int http_status = 0;
  std::string correlation_id = {};
  RateLimitInfo rate_limit = {};
};

// POST /api/v2/conversations/messages/agentless with toAddressMessengerType "sms".
struct AgentlessSmsRequest {
  std::string from_address = {};  // the org's SMS number; normalised to E.164
  std::string to_address = {};    // normalised to E.164
  std::string text_body = {};     // at most 765 characters
  bool use_existing_active_conversation = false;
};

struct AgentlessSmsResult {
  std::string message_id = {};
  std::string conversation_id = {};
  std::string to_address;  // as sent (E.164)
  std::optional<absl::Time> timestamp = {};
  ResponseMeta meta = {};
};

struct EmailAddress {
  std::string email = {};
  std::string name = {};  // optional friendly name
};

// POST /api/v2/conversations/emails/agentless (senderType "Outbound", one recipient).
struct AgentlessEmailRequest {
  EmailAddress from = {};
  EmailAddress to = {};
  std::optional<EmailAddress> reply_to = {};
  std::string subject = {};  // at most 400 characters
  std::string text_body = {};
  std::string html_body = {};
  std::string conversation_id = {};  // optional: stitch into this email conversation
};

struct AgentlessEmailResult {
  std::string id = {};
  std::string conversation_id = {};
  ResponseMeta meta = {};
};

// One contact for POST /api/v2/outbound/contactlists/{id}/contacts. The touch id is
// written into the contact's data so call outcomes can be traced back to the touch.
//
// With a contact_id the POST is an upsert: Genesys updates the contact that has that id
// (its data replaced by this one's) instead of adding another; see contact_id.h for the
// id Blend derives from the touch id. `callable` is left out unless set: a new contact is
// callable, and an update must not make a contact that was withdrawn (callable false)
// callable again.
struct ContactInsertion {
  std::string contact_list_id = {};
  TouchId touch_id = {};
  std::string phone = {};  // normalised to E.164
  std::string phone_column = "phone";
  std::string touch_id_column = "touchId";             // genesys-sim's demo-contacts column
  std::map<std::string, std::string> extra_data = {};  // further columns, written as given
  std::string contact_id = {};                         // optional; empty lets Genesys assign one
  bool priority = true;                                // ?priority=true: dial it next
  // ?doNotQueue=true: an existing contact keeps its place in the dialer's queue, so one
  // already dialled is not dialled again. No effect on a new contact.
  bool do_not_queue = false;
  // ?clearSystemData=true: an existing contact's system columns (attempts, callable
  // status, call records) are reset.
  bool clear_system_data = false;
  std::optional<bool> callable = {};
};

struct CallRecord {
  std::optional<absl::Time> last_attempt = {};
  std::string last_result = {};  // e.g. "ININ-OUTBOUND-NO-ANSWER" or an agent wrap-up
};

// Genesys's DialerContact (the fields Blend reads).
struct DialerContact {
  std::string id = {};
  std::string contact_list_id = {};
  std::map<std::string, std::string> data = {};
  std::map<std::string, CallRecord> call_records = {};  // by phone column
  std::optional<bool> callable = {};
  ResponseMeta meta = {};
};

struct DncExportJob {
  std::string id = {};           // the export's DomainEntityRef id, if Genesys returned one
  absl::Time requested_at = {};  // client clock, to recognise a fresh export
  ResponseMeta meta = {};
};

struct ExportUri {
  std::string uri = {};
  std::optional<absl::Time> export_timestamp = {};
  ResponseMeta meta = {};
};

struct DncExportPolicy {
  int max_polls = 30;
  absl::Duration poll_interval = absl::Seconds(2);
  // An export whose exportTimestamp is older than the request (minus this tolerance for
  // clock skew) is a previous export, not ours.
  absl::Duration clock_skew_tolerance = absl::Minutes(2);
  // How to wait between polls; defaults to absl::SleepFor. Tests advance a FakeClock.
  std::function<void(absl::Duration)> sleep;
};

class GenesysClient {
 public:
  // kInvalidArgument for an unknown region, a malformed override URL or a missing client
  // id / secret. No request is made here.
  static absl::StatusOr<std::unique_ptr<GenesysClient>> Create(GenesysClientConfig config,
                                                               HttpTransport& transport,
                                                               const Clock& clock,
                                                               RequestObserver* observer = nullptr);
  ~GenesysClient();

  absl::StatusOr<AgentlessSmsResult> SendAgentlessSms(const AgentlessSmsRequest& request);
  absl::StatusOr<AgentlessEmailResult> SendAgentlessEmail(const AgentlessEmailRequest& request);

  // Inserts (or, with a known contact_id, updates) one contact; returns the contact as
  // Genesys stored it (with its id).
  absl::StatusOr<DialerContact> InsertContact(const ContactInsertion& insertion);
  // GET /api/v2/outbound/contactlists/{contactListId}/contacts/{contactId}; kNotFound when
  // the list or the contact does not exist.
  absl::StatusOr<DialerContact> GetContact(std::string_view contact_list_id,
                                           std::string_view contact_id);
  // DELETE /api/v2/outbound/contactlists/{contactListId}/contacts/{contactId}: the dialer
  // never dials a removed contact. A 404 (contact or list unknown) counts as done: the
  // result is OK with meta.http_status 404. Idempotent, so safe to retry after any error.
  absl::StatusOr<ResponseMeta> DeleteContact(std::string_view contact_list_id,
                                             std::string_view contact_id);
  // Marks the contact (un)callable: GET the contact, then PUT
  // /api/v2/outbound/contactlists/{contactListId}/contacts/{contactId} with the same data,
  // phoneNumberStatus and contactableStatus and `callable` changed (Genesys's PUT replaces
  // the contact, so its data must be sent back). Two requests, or one when the contact
  // already has that value. Returns the contact as stored; kNotFound when it does not exist.
  // Idempotent.
  absl::StatusOr<DialerContact> SetContactCallable(std::string_view contact_list_id,
                                                   std::string_view contact_id, bool callable);

  // POST /api/v2/outbound/dnclists/{dncListId}/phonenumbers (internal "rds" lists only;
  // Genesys answers 400 dnc.source.operation.not.supported otherwise). All numbers are
  // normalised first; one invalid number rejects the whole call before any request.
  absl::StatusOr<ResponseMeta> AddNumbersToDncList(
      std::string_view dnc_list_id, const std::vector<std::string>& numbers,
      std::optional<absl::Time> expiration = std::nullopt);

  // DNC list export, step by step: POST …/export, GET …/export?download=false (kNotFound
  // while no export exists), then download of the CSV the URI points at.
  absl::StatusOr<DncExportJob> StartDncExport(std::string_view dnc_list_id);
  absl::StatusOr<ExportUri> GetDncExportUri(std::string_view dnc_list_id);
  absl::StatusOr<DncExportFile> DownloadDncExport(std::string_view uri);
  // All three: starts an export, polls until a URI for it appears (kUnavailable when it
  // does not within policy.max_polls), downloads and parses it. Blocks while polling.
  absl::StatusOr<DncExportFile> ExportDncList(std::string_view dnc_list_id,
                                              const DncExportPolicy& policy = {});

  const std::string& api_base_url() const;
  const std::string& login_base_url() const;

 private:
  class Impl;
  explicit GenesysClient(std::unique_ptr<Impl> impl);
  absl::StatusOr<std::string> ContactUrl(std::string_view contact_list_id,
                                         std::string_view contact_id) const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace blend::genesys
