#include "blend/genesys_sim/precall.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "blend/http/client.h"

namespace blend::genesys_sim {

using nlohmann::json;

absl::StatusOr<PreCallReply> HttplibPreCallTransport::Post(const std::string& url,
                                                           const std::string& body,
                                                           const HeaderList& headers,
                                                           absl::Duration timeout) {
  absl::StatusOr<http::Reply> reply = http::PostJson(url, body, headers, timeout);
  if (!reply.ok()) return reply.status();
  return PreCallReply{reply->status, std::move(reply->body)};
}

json PreCallRule::RequestBody(const Contact& contact) {
  json body = json::object();
  for (const auto& [column, value] : contact.data) body[column] = value;
  body["contactId"] = contact.id;
  return body;
}

namespace {

// The output field `skip`: a boolean, or the strings "true" / "false" (data action output
// contracts often type fields as strings). nullopt when absent or anything else.
std::optional<bool> SkipField(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("skip")) return std::nullopt;
  const json& v = j["skip"];
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) {
    std::string s = absl::AsciiStrToLower(v.get<std::string>());
    if (s == "true") return true;
    if (s == "false") return false;
  }
  return std::nullopt;
}

}  // namespace

PreCallEvaluation PreCallRule::Evaluate(const Contact& contact) const {
  PreCallEvaluation e;
  e.request_body = RequestBody(contact).dump();
  HeaderList headers = {{"Accept", "application/json"}};
  if (!config_.user.empty()) {
    headers.push_back({"Authorization",
                       absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(
                                                  config_.user, ":", config_.password.Reveal())))});
  }
  absl::StatusOr<PreCallReply> reply =
      transport_.Post(config_.url, e.request_body, headers, config_.timeout);
  std::optional<bool> skip;
  if (!reply.ok()) {
    e.error = std::string(reply.status().message());
  } else {
    e.http_status = reply->status;
    if (reply->status < 200 || reply->status > 299) {
      e.error = absl::StrCat("HTTP ", reply->status);
    } else if (skip = SkipField(reply->body); !skip) {
      e.error = "the answer has no boolean `skip`";
    }
  }
  if (skip) {
    e.verdict.dial = !*skip;
    e.outcome = *skip ? "skip" : "dial";
    if (*skip) e.verdict.wrapup_code = kRuleSkippedWrapup;
  } else {
    e.verdict.dial = !config_.skip_on_error;
    e.outcome = config_.skip_on_error ? "error-skip" : "error-dial";
    if (config_.skip_on_error) e.verdict.wrapup_code = kRuleErrorSkippedWrapup;
  }
  return e;
}

}  // namespace blend::genesys_sim
