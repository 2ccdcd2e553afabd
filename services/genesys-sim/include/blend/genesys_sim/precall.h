#pragma once

// The pre-call rule: what a Genesys campaign does with a rule set of category DIALER_PRECALL
// whose condition is a dataActionCondition on a web-services data action, and whose action
// is DO_NOT_DIAL. Just before a contact is dialled the simulator POSTs the data action's
// input (the contact's columns under their own names, and the contact id under `contactId`,
// as the condition's column-to-field mappings and contactIdField pass them) to the
// configured URL, with the integration's Basic Auth header when credentials are set.
// The answer is the data action's output: `{"skip": true}` (boolean, or the string "true")
// → not dialled, wrap-up ININ-OUTBOUND-RULE-SKIPPED; `{"skip": false}` → dialled. A failed
// call, a timeout, a non-2xx status or an answer without a usable `skip` → the configured
// default: skip (wrap-up ININ-OUTBOUND-RULE-ERROR-SKIPPED; Genesys places no call when a
// pre-call evaluation fails) or dial. Thread-safe.

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/genesys_sim/config.h"
#include "blend/genesys_sim/outbound.h"
#include "blend/genesys_sim/webhooks.h"

namespace blend::genesys_sim {

inline constexpr char kRuleSkippedWrapup[] = "ININ-OUTBOUND-RULE-SKIPPED";
inline constexpr char kRuleErrorSkippedWrapup[] = "ININ-OUTBOUND-RULE-ERROR-SKIPPED";

struct PreCallReply {
  int status = 0;
  std::string body;
};

// The HTTP seam: an error Status only when no answer arrived (refused, timed out).
class PreCallTransport {
 public:
  virtual ~PreCallTransport() = default;
  virtual absl::StatusOr<PreCallReply> Post(const std::string& url, const std::string& body,
                                            const HeaderList& headers, absl::Duration timeout) = 0;
};

// PreCallTransport over cpp-httplib (plain http://host:port/path).
class HttplibPreCallTransport final : public PreCallTransport {
 public:
  absl::StatusOr<PreCallReply> Post(const std::string& url, const std::string& body,
                                    const HeaderList& headers, absl::Duration timeout) override;
};

struct PreCallEvaluation {
  PreCallVerdict verdict;
  std::string outcome;  // "dial", "skip", "error-skip" or "error-dial" (for the audit)
  int http_status = 0;  // 0: no answer
  std::string error;    // why the evaluation failed, when it did
  std::string request_body;
};

class PreCallRule {
 public:
  // `config.url` must be set; `transport` must outlive the rule.
  PreCallRule(PreCallConfig config, PreCallTransport& transport)
      : config_(std::move(config)), transport_(transport) {}

  // The data action's input for `contact`.
  static nlohmann::json RequestBody(const Contact& contact);
  PreCallEvaluation Evaluate(const Contact& contact) const;
  const PreCallConfig& config() const { return config_; }

 private:
  const PreCallConfig config_;
  PreCallTransport& transport_;
};

}  // namespace blend::genesys_sim
