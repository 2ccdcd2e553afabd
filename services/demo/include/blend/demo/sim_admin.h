#pragma once

// The demo's reads and writes on genesys-sim's admin API (/sim/..., see
// services/genesys-sim/README.md) and on services' /metrics, over cpp-httplib.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace blend::demo {

// One audited Genesys request (GET /sim/audit).
struct AuditEntry {
  absl::Time time;
  std::string operation;  // sms.send, contacts.add, email.send, oauth.token, ...
  int status = 0;
  std::vector<std::string> touch_ids;
  std::string to_address;
  std::string fault;  // injected faults, e.g. "accepted_drop" or "latency,error_5xx"; "" for none
  std::string path;
  std::vector<std::string>
      contact_ids;      // contacts.* and precall.evaluate: the contact(s) concerned
  std::string outcome;  // precall.evaluate: dial, skip, error-skip, error-dial
};

// An inbound SMS that opted its sender out (from the simulator's webhook deliveries).
struct OptOutEvent {
  std::string phone_e164;
  absl::Time time;
};

// A dial the simulated dialer made (GET /sim/calls).
struct Call {
  std::string phone_e164;
  absl::Time time;
  std::string wrapup_code;
  std::string contact_id;
  // The DNC scrub at dial time: Genesys placed no call.
  bool Scrubbed() const { return wrapup_code == "ININ-OUTBOUND-ON-DO-NOT-CALL-LIST"; }
  // False when Genesys reached the contact at dial time but placed no call: the DNC scrub, an
  // uncallable (withdrawn) contact, or the pre-call rule (Blend's dial-time check) skipping it.
  bool Placed() const;
};

// GET `url` (http://host:port/path); the body, or an error naming the url.
absl::StatusOr<std::string> HttpGet(const std::string& url,
                                    absl::Duration timeout = absl::Seconds(5));

class SimAdmin {
 public:
  explicit SimAdmin(std::string base_url) : base_url_(std::move(base_url)) {}

  // Replaces the numbers of internal DNC list `list_id`.
  absl::Status PutDncList(const std::string& list_id, const std::vector<std::string>& numbers);
  // Every audited request (the simulator keeps the newest million).
  absl::StatusOr<std::vector<AuditEntry>> Audit();
  // {total, byOperation, byStatus, byClient}.
  absl::StatusOr<nlohmann::json> AuditCounters();
  absl::StatusOr<std::vector<OptOutEvent>> OptOutEvents();
  absl::StatusOr<std::vector<Call>> Calls();
  // Faults the simulator injected since it started, by kind (GET /sim/faults "injected").
  absl::StatusOr<std::map<std::string, int64_t>> FaultsInjected();

 private:
  absl::StatusOr<nlohmann::json> GetJson(const std::string& path);
  std::string base_url_;
};

}  // namespace blend::demo
