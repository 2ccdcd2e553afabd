#pragma once

// Pieces shared by the GenesysSim source files: the per-request Call and JSON helpers.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "blend/genesys_sim/faults.h"
#include "blend/genesys_sim/outbound.h"
#include "blend/genesys_sim/rate_limiter.h"
#include "blend/genesys_sim/sim.h"

namespace blend::genesys_sim {

struct GenesysSim::Call {
  explicit Call(const HttpRequest& r) : req(r) {}
  const HttpRequest& req;
  std::string correlation_id;
  std::string operation = "unknown";
  std::string client_id;
  std::string touch_id;             // for the audit
  std::string to_address;           // for the audit
  std::string contact_id;           // for the audit
  std::vector<std::string> params;  // {} segments of the matched route
  FaultDecision fault;
  bool audited = true;
};

namespace internal {

HttpResponse JsonResponse(int status, const nlohmann::json& body);
HttpResponse ErrorResponse(const std::string& correlation_id, const absl::Status& status);
HttpResponse ErrorResponse(const std::string& correlation_id, int http_status,
                           const std::string& code, const std::string& message);
// The body as JSON, or a 400 bad.request Status.
absl::StatusOr<nlohmann::json> ParseJsonBody(const HttpRequest& request);
absl::Status InvalidValue(const std::string& message);

// The touch id Blend put in a request (README "Touch ids"): a key blendTouchId / touchId /
// blend_touch_id / touch_id anywhere in the JSON body, else a "blend-touch-id:<id>" marker in
// any string of the body, else the X-Blend-Touch-Id header. Several are joined with ",".
std::string ExtractTouchIds(const nlohmann::json& body, const HttpRequest& request);

nlohmann::json ContactJson(const Contact& contact, const std::vector<PhoneColumnConfig>& phones);

// "a=1&b=x%20y" -> {{"a","1"},{"b","x y"}}.
std::map<std::string, std::string> ParseForm(const std::string& body);

}  // namespace internal
}  // namespace blend::genesys_sim
