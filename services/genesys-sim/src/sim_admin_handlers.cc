// The /sim/ admin API (no authentication; loopback test tool). See README "Admin API".

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "blend/genesys_sim/api_error.h"
#include "blend/genesys_sim/sim.h"
#include "blend/genesys_sim/util.h"
#include "sim_internal.h"

namespace blend::genesys_sim {

using internal::ErrorResponse;
using internal::JsonResponse;
using nlohmann::json;

namespace {

json AuditJson(const AuditEntry& e) {
  return {{"seq", e.seq},
          {"time", FormatIso(e.time)},
          {"method", e.method},
          {"path", e.path},
          {"operation", e.operation},
          {"clientId", e.client_id},
          {"status", e.status},
          {"bodySha256", e.body_sha256},
          {"touchId", e.touch_id},
          {"toAddress", e.to_address},
          {"contactId", e.contact_id},
          {"outcome", e.outcome},
          {"fault", e.fault}};
}

json CountersJson(const AuditCounters& c) {
  json by_status = json::object();
  for (const auto& [status, n] : c.by_status) by_status[absl::StrCat(status)] = n;
  return {{"total", c.total},
          {"byOperation", c.by_operation},
          {"byStatus", by_status},
          {"byClient", c.by_client}};
}

absl::StatusOr<AuditFilter> ParseAuditFilter(const HttpRequest& req) {
  AuditFilter f;
  auto opt = [&](const char* name, std::optional<std::string>& out) {
    if (req.query.contains(name)) out = req.Query(name);
  };
  opt("method", f.method);
  opt("path", f.path_prefix);
  opt("operation", f.operation);
  opt("clientId", f.client_id);
  opt("touchId", f.touch_id);
  opt("toAddress", f.to_address);
  opt("contactId", f.contact_id);
  int status = 0;
  if (req.query.contains("status")) {
    if (!absl::SimpleAtoi(req.Query("status"), &status)) return internal::InvalidValue("status");
    f.status = status;
  }
  for (auto [name, out] : {std::pair{"since", &f.since}, std::pair{"until", &f.until}}) {
    if (!req.query.contains(name)) continue;
    absl::Time t;
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, req.Query(name), &t, &err)) {
      return internal::InvalidValue(absl::StrCat(name, " must be RFC 3339: ", err));
    }
    *out = t;
  }
  if (req.query.contains("limit") && !absl::SimpleAtoi(req.Query("limit"), &f.limit)) {
    return internal::InvalidValue("limit must be a number");
  }
  return f;
}

json FaultsJson(const FaultConfig& f, absl::Time storm_until, absl::Time now) {
  return {{"latency", absl::FormatDuration(f.latency)},
          {"latencyRatio", f.latency_ratio},
          {"errorRatio", f.error_ratio},
          {"errorStatus", f.error_status},
          {"dropRatio", f.drop_ratio},
          {"acceptedDropRatio", f.accepted_drop_ratio},
          {"pathPrefix", f.path_prefix},
          {"method", f.method},
          {"storm429RemainingSeconds",
           storm_until > now ? absl::ToDoubleSeconds(storm_until - now) : 0.0}};
}

json CallJson(const CallOutcome& o) {
  return {{"time", FormatIso(o.time)},
          {"campaignId", o.campaign.id},
          {"contactListId", o.contact_list_id},
          {"contactId", o.contact_id},
          {"phoneNumber", o.phone_number},
          {"wrapupCode", o.wrapup_code},
          {"callAnalysisDisposition", o.call_analysis_disposition},
          {"conversationId", o.conversation_id}};
}

const char* DeliveryStateName(DeliveryState s) {
  switch (s) {
    case DeliveryState::kPending:
      return "pending";
    case DeliveryState::kDelivered:
      return "delivered";
    case DeliveryState::kFailed:
      return "failed";
  }
  return "unknown";
}

// Wraps one admin body as a config section and parses it with the config-file parser.
absl::StatusOr<SimConfig> ParseSection(const std::string& section, const std::string& id,
                                       const std::string& body) {
  json item = json::parse(body, nullptr, false);
  if (item.is_discarded() || !item.is_object()) {
    return internal::InvalidValue("The body must be a JSON object.");
  }
  item["id"] = id;
  SimConfig empty;
  return ParseConfigJson(json{{section, json::array({item})}}.dump(), empty);
}

}  // namespace

HttpResponse GenesysSim::HandleAdmin(Call& call) {
  const std::string& p = call.req.path;
  if (absl::StartsWith(p, "/sim/audit")) return AdminAudit(call);
  if (p == "/sim/faults") return AdminFaults(call);
  if (absl::StartsWith(p, "/sim/contactlists/") || absl::StartsWith(p, "/sim/dnclists/") ||
      absl::StartsWith(p, "/sim/campaigns")) {
    return AdminLists(call);
  }
  if (absl::StartsWith(p, "/sim/messages/") || p == "/sim/optouts" || p == "/sim/inbound-sms") {
    return AdminMessaging(call);
  }
  return AdminSettings(call);
}

HttpResponse GenesysSim::AdminAudit(Call& call) {
  const HttpRequest& req = call.req;
  if (req.path == "/sim/audit" && req.method == "DELETE") {
    audit_.Clear();
    return JsonResponse(200, {{"cleared", true}});
  }
  if (req.path == "/sim/audit/counters") return JsonResponse(200, CountersJson(audit_.Counters()));
  if (req.path == "/sim/audit/max-rate") {
    absl::Duration window = absl::Minutes(1);
    if (req.query.contains("window") && !absl::ParseDuration(req.Query("window"), &window)) {
      return ErrorResponse(call.correlation_id, internal::InvalidValue("window: e.g. 60s"));
    }
    return JsonResponse(200, {{"clientId", req.Query("clientId")},
                              {"window", absl::FormatDuration(window)},
                              {"maxRequests", audit_.MaxInWindow(req.Query("clientId"), window)}});
  }
  if (req.path != "/sim/audit") {
    return ErrorResponse(call.correlation_id, 404, "not.found", "unknown audit resource");
  }
  absl::StatusOr<AuditFilter> filter = ParseAuditFilter(req);
  if (!filter.ok()) return ErrorResponse(call.correlation_id, filter.status());
  json entries = json::array();
  for (const AuditEntry& e : audit_.Query(*filter)) entries.push_back(AuditJson(e));
  return JsonResponse(200, {{"entries", entries}, {"counters", CountersJson(audit_.Counters())}});
}

HttpResponse GenesysSim::AdminFaults(Call& call) {
  if (call.req.method == "PUT" || call.req.method == "POST") {
    absl::StatusOr<FaultConfig> f = ParseFaultConfig(call.req.body, FaultConfig{});
    if (!f.ok()) return ErrorResponse(call.correlation_id, f.status());
    faults_.Set(*f);
  } else if (call.req.method == "DELETE") {
    faults_.Set(FaultConfig{});
  }
  json out = FaultsJson(faults_.Get(), faults_.storm_until(), clock_.Now());
  out["injected"] = faults_.Counts();
  return JsonResponse(200, out);
}

HttpResponse GenesysSim::AdminLists(Call& call) {
  std::vector<std::string> parts = absl::StrSplit(call.req.path, '/');  // "", "sim", kind, id
  const std::string& kind = parts[2];
  if (kind == "campaigns" && parts.size() == 3) {
    json out = json::array();
    for (const CampaignConfig& c : outbound_.Campaigns()) {
      out.push_back(
          {{"id", c.id}, {"contactListId", c.contact_list_id}, {"dncListIds", c.dnc_list_ids}});
    }
    return JsonResponse(200, out);
  }
  if (parts.size() != 4 || parts[3].empty()) {
    return ErrorResponse(call.correlation_id, 404, "not.found", "use /sim/<kind>/<id>");
  }
  const std::string& id = parts[3];
  if (call.req.method == "PUT") {
    std::string section = kind == "contactlists" ? "contactLists"
                          : kind == "dnclists"   ? "dncLists"
                                                 : "campaigns";
    absl::StatusOr<SimConfig> parsed = ParseSection(section, id, call.req.body);
    if (!parsed.ok()) return ErrorResponse(call.correlation_id, parsed.status());
    absl::Status st = kind == "contactlists" ? outbound_.UpsertContactList(parsed->contact_lists[0])
                      : kind == "dnclists"   ? outbound_.UpsertDncList(parsed->dnc_lists[0])
                                             : outbound_.UpsertCampaign(parsed->campaigns[0]);
    if (!st.ok()) return ErrorResponse(call.correlation_id, st);
  }
  if (kind == "contactlists") {
    absl::StatusOr<ContactListConfig> list = outbound_.GetContactList(id);
    absl::StatusOr<std::vector<Contact>> contacts = outbound_.ListContacts(id);
    if (!list.ok()) return ErrorResponse(call.correlation_id, list.status());
    json cs = json::array();
    for (const Contact& c : *contacts) cs.push_back(internal::ContactJson(c, list->phone_columns));
    return JsonResponse(200, {{"id", id}, {"name", list->name}, {"contacts", cs}});
  }
  if (kind == "dnclists") {
    absl::StatusOr<DncListView> list = outbound_.GetDncList(id);
    if (!list.ok()) return ErrorResponse(call.correlation_id, list.status());
    json numbers = json::array();
    for (const DncEntry& e : list->entries) {
      numbers.push_back({{"phoneNumber", e.phone_number},
                         {"expirationDateTime", e.expires ? FormatIso(*e.expires) : ""}});
    }
    return JsonResponse(
        200,
        {{"id", id}, {"dncSourceType", list->config.dnc_source_type}, {"phoneNumbers", numbers}});
  }
  return JsonResponse(200, {{"id", id}, {"updated", call.req.method == "PUT"}});
}

HttpResponse GenesysSim::AdminMessaging(Call& call) {
  const HttpRequest& req = call.req;
  if (req.path == "/sim/inbound-sms" && req.method == "POST") {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("fromAddress") ||
        !body.contains("textBody")) {
      return ErrorResponse(call.correlation_id,
                           internal::InvalidValue("need {fromAddress, toAddress?, textBody}"));
    }
    std::string to =
        body.value("toAddress", config_.sms_senders.empty() ? "" : config_.sms_senders[0]);
    InboundSms sms = messaging_.Inject(body["fromAddress"].get<std::string>(), to,
                                       body["textBody"].get<std::string>());
    EmitInboundSms(sms);
    return JsonResponse(200, {{"messageId", sms.id}, {"conversationId", sms.conversation_id}});
  }
  if (req.path == "/sim/optouts") {
    json out = json::array();
    for (const auto& [from, to] : messaging_.OptOuts()) {
      out.push_back({{"fromAddress", from}, {"toAddress", to}});
    }
    return JsonResponse(200, out);
  }
  std::string to = req.Query("toAddress");
  json out = json::array();
  if (req.path == "/sim/messages/sms") {
    for (const SentSms& s : messaging_.Sms()) {
      if (!to.empty() && s.to_address != to) continue;
      out.push_back({{"id", s.id},
                     {"conversationId", s.conversation_id},
                     {"fromAddress", s.from_address},
                     {"toAddress", s.to_address},
                     {"textBody", s.text},
                     {"status", s.status},
                     {"touchId", s.touch_id},
                     {"timestamp", FormatIso(s.time)}});
    }
  } else if (req.path == "/sim/messages/email") {
    for (const SentEmail& e : messaging_.Emails()) {
      if (!to.empty() && e.to_address != to) continue;
      out.push_back({{"id", e.id},
                     {"conversationId", e.conversation_id},
                     {"fromAddress", e.from_address},
                     {"toAddress", e.to_address},
                     {"subject", e.subject},
                     {"touchId", e.touch_id},
                     {"timestamp", FormatIso(e.time)}});
    }
  } else {
    return ErrorResponse(call.correlation_id, 404, "not.found", "unknown messages resource");
  }
  return JsonResponse(200, out);
}

HttpResponse GenesysSim::AdminInspect(Call& call) {
  const HttpRequest& req = call.req;
  if (req.path == "/sim/calls") {
    json out = json::array();
    for (const CallOutcome& o : RecentCalls()) out.push_back(CallJson(o));
    return JsonResponse(200, out);
  }
  if (req.path == "/sim/events") {
    json out = json::array();
    for (const Delivery& d : dispatcher_.Deliveries()) {
      out.push_back({{"eventId", d.event_id},
                     {"kind", d.kind},
                     {"url", d.url},
                     {"attempts", d.attempts},
                     {"state", DeliveryStateName(d.state)},
                     {"lastError", d.last_error},
                     {"body", json::parse(d.body, nullptr, false)}});
    }
    return JsonResponse(200, out);
  }
  if (req.path == "/sim/state") {
    return JsonResponse(200, {{"contactLists", outbound_.ContactListIds()},
                              {"dncLists", outbound_.DncListIds()},
                              {"dialQueue", outbound_.QueuedCount()},
                              {"smsSenders", config_.sms_senders},
                              {"emailSenders", config_.email_senders},
                              {"requestsPerMinute", rate_limiter_.limit()}});
  }
  return ErrorResponse(call.correlation_id, 404, "not.found",
                       absl::StrCat("No admin resource at ", req.path, " (see README)"));
}

HttpResponse GenesysSim::AdminSettings(Call& call) {
  const HttpRequest& req = call.req;
  if (req.path == "/sim/webhooks") {
    if (req.method == "PUT") {
      json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object()) {
        return ErrorResponse(call.correlation_id, internal::InvalidValue("body must be an object"));
      }
      absl::MutexLock lock(&webhook_mu_);
      if (body.contains("postContactUrls")) post_contact_urls_ = body["postContactUrls"];
      if (body.contains("inboundSmsUrls")) inbound_sms_urls_ = body["inboundSmsUrls"];
    }
    return JsonResponse(
        200, {{"postContactUrls", PostContactUrls()}, {"inboundSmsUrls", InboundSmsUrls()}});
  }
  if (req.path == "/sim/rate-limit") {
    if (req.method == "PUT") {
      json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.value("requestsPerMinute", json()).is_number_integer() ||
          body["requestsPerMinute"].get<int>() <= 0) {
        return ErrorResponse(call.correlation_id,
                             internal::InvalidValue("need {\"requestsPerMinute\": positive int}"));
      }
      rate_limiter_.SetLimit(body["requestsPerMinute"].get<int>());
    }
    return JsonResponse(200, {{"requestsPerMinute", rate_limiter_.limit()}});
  }
  if (req.path == "/sim/tokens/expire" && req.method == "POST") {
    return JsonResponse(200, {{"expired", tokens_.ExpireAll()}});
  }
  return AdminInspect(call);
}

}  // namespace blend::genesys_sim
