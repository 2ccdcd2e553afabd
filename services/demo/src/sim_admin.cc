#include "blend/demo/sim_admin.h"

#include <httplib.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "blend/worker/call_outcome.h"

namespace blend::demo {
namespace {

using nlohmann::json;

// "http://host:port/path" -> ("http://host:port", "/path").
std::pair<std::string, std::string> SplitUrl(const std::string& url) {
  size_t scheme = url.find("://");
  size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return {url, "/"};
  return {url.substr(0, slash), url.substr(slash)};
}

absl::Time ParseTime(const json& j) {
  absl::Time t = absl::InfinitePast();
  if (j.is_string()) {
    std::string err;
    absl::ParseTime(absl::RFC3339_full, j.get<std::string>(), &t, &err);
  }
  return t;
}

absl::StatusOr<httplib::Result> Send(const std::string& url, const char* method,
                                     const std::string& body, absl::Duration timeout) {
  auto [base, path] = SplitUrl(url);
  httplib::Client client(base);
  auto seconds = absl::ToInt64Seconds(timeout);
  client.set_read_timeout(seconds, 0);
  client.set_connection_timeout(seconds, 0);
  httplib::Result r = std::string_view(method) == "PUT"
                          ? client.Put(path.c_str(), body, "application/json")
                          : client.Get(path.c_str());
  if (!r)
    return absl::UnavailableError(
        absl::StrCat(method, " ", url, ": ", httplib::to_string(r.error())));
  if (r->status / 100 != 2) {
    return absl::InternalError(absl::StrCat(method, " ", url, ": HTTP ", r->status, " ", r->body));
  }
  return r;
}

}  // namespace

bool Call::Placed() const {
  return !Scrubbed() && wrapup_code != "ININ-OUTBOUND-CONTACT-UNCALLABLE-SKIPPED" &&
         wrapup_code != "ININ-OUTBOUND-RULE-SKIPPED" &&
         wrapup_code != "ININ-OUTBOUND-RULE-ERROR-SKIPPED";
}

absl::StatusOr<std::string> HttpGet(const std::string& url, absl::Duration timeout) {
  auto r = Send(url, "GET", "", timeout);
  if (!r.ok()) return r.status();
  return (*r)->body;
}

absl::StatusOr<json> SimAdmin::GetJson(const std::string& path) {
  auto body = HttpGet(base_url_ + path, absl::Seconds(30));
  if (!body.ok()) return body.status();
  json j = json::parse(*body, nullptr, false);
  if (j.is_discarded()) return absl::InternalError("not JSON: " + path);
  return j;
}

absl::Status SimAdmin::PutDncList(const std::string& list_id,
                                  const std::vector<std::string>& numbers) {
  json body = {{"name", "Demo DNC"},
               {"dncSourceType", "rds"},
               {"contactMethod", "Phone"},
               {"phoneNumbers", numbers}};
  auto r = Send(base_url_ + "/sim/dnclists/" + list_id, "PUT", body.dump(), absl::Seconds(10));
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::StatusOr<std::vector<AuditEntry>> SimAdmin::Audit() {
  auto j = GetJson("/sim/audit?limit=1000000");
  if (!j.ok()) return j.status();
  std::vector<AuditEntry> out;
  for (const json& e : (*j)["entries"]) {
    AuditEntry a;
    a.time = ParseTime(e.value("time", json()));
    a.operation = e.value("operation", "");
    a.status = e.value("status", 0);
    a.to_address = e.value("toAddress", "");
    a.fault = e.value("fault", "");
    a.path = e.value("path", "");
    for (auto id : absl::StrSplit(e.value("touchId", ""), ',', absl::SkipEmpty())) {
      a.touch_ids.emplace_back(id);
    }
    for (auto id : absl::StrSplit(e.value("contactId", ""), ',', absl::SkipEmpty())) {
      a.contact_ids.emplace_back(id);
    }
    a.outcome = e.value("outcome", "");
    out.push_back(std::move(a));
  }
  return out;
}

absl::StatusOr<json> SimAdmin::AuditCounters() { return GetJson("/sim/audit/counters"); }

absl::StatusOr<std::vector<OptOutEvent>> SimAdmin::OptOutEvents() {
  auto j = GetJson("/sim/events");
  if (!j.ok()) return j.status();
  std::vector<OptOutEvent> out;
  for (const json& d : *j) {
    const json& body = d.contains("body") ? d["body"] : json();
    if (!body.is_object() || !body.contains("textBody")) continue;
    if (!worker::IsOptOutKeyword(body.value("textBody", ""))) continue;
    out.push_back({body.value("fromAddress", ""), ParseTime(body.value("timestamp", json()))});
  }
  return out;
}

absl::StatusOr<std::vector<Call>> SimAdmin::Calls() {
  auto j = GetJson("/sim/calls");
  if (!j.ok()) return j.status();
  std::vector<Call> out;
  for (const json& c : *j) {
    out.push_back({c.value("phoneNumber", ""), ParseTime(c.value("time", json())),
                   c.value("wrapupCode", ""), c.value("contactId", "")});
  }
  return out;
}

absl::StatusOr<std::map<std::string, int64_t>> SimAdmin::FaultsInjected() {
  auto j = GetJson("/sim/faults");
  if (!j.ok()) return j.status();
  std::map<std::string, int64_t> out;
  if (j->contains("injected") && (*j)["injected"].is_object()) {
    for (const auto& [kind, n] : (*j)["injected"].items()) out[kind] = n.get<int64_t>();
  }
  return out;
}

}  // namespace blend::demo
