// Outbound endpoints: contacts, contact lists, internal DNC lists, exports and downloads.

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

constexpr size_t kMaxContactsPerRequest = 1000;

HttpResponse NoContent(int status) {
  HttpResponse r;
  r.status = status;
  r.content_type.clear();
  return r;
}

// One WritableDialerContact. Data values the SDK types as strings; numbers and booleans are
// accepted and kept as their JSON text.
absl::StatusOr<ContactInput> ParseContact(const json& j) {
  if (!j.is_object()) return InvalidValue("Each contact must be a JSON object.");
  ContactInput c;
  if (auto it = j.find("id"); it != j.end() && it->is_string()) c.id = it->get<std::string>();
  auto list = j.find("contactListId");
  if (list == j.end() || !list->is_string()) return InvalidValue("contactListId is required.");
  c.contact_list_id = list->get<std::string>();
  auto data = j.find("data");
  if (data == j.end() || !data->is_object()) return InvalidValue("data is required.");
  for (const auto& [k, v] : data->items()) {
    c.data[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  if (auto it = j.find("callable"); it != j.end() && it->is_boolean()) c.callable = it->get<bool>();
  return c;
}

absl::StatusOr<std::optional<absl::Time>> ParseExpiration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  absl::Time t;
  std::string err;
  for (const char* fmt : {"%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%E*SZ"}) {
    if (absl::ParseTime(fmt, text, absl::UTCTimeZone(), &t, &err)) return t;
  }
  return GenesysError(absl::StatusCode::kInvalidArgument, "invalid.date",
                      absl::StrCat("expirationDateTime '", text,
                                   "' is not a date in the format yyyy-MM-ddTHH:mmZ."));
}

absl::StatusOr<std::vector<std::string>> ParseNumbers(const json& arr) {
  if (!arr.is_array()) return InvalidValue("The body must be an array of phone numbers.");
  std::vector<std::string> out;
  for (const json& n : arr) {
    if (!n.is_string() || !IsE164(n.get<std::string>())) {
      return InvalidValue(absl::StrCat("Phone number ", n.dump(), " is not in E.164 format."));
    }
    out.push_back(n.get<std::string>());
  }
  return out;
}

std::string ListKind(const std::string& path) {
  return absl::StrContains(path, "/dnclists/") ? "dnclist" : "contactlist";
}

}  // namespace

HttpResponse GenesysSim::HandleAddContacts(Call& call) {
  const std::string& list_id = call.params[0];
  absl::StatusOr<json> body = internal::ParseJsonBody(call.req);
  if (!body.ok()) return ErrorResponse(call.correlation_id, body.status());
  call.touch_id = internal::ExtractTouchIds(*body, call.req);
  if (!body->is_array()) {
    return ErrorResponse(call.correlation_id,
                         InvalidValue("The body must be an array of contacts."));
  }
  if (body->size() > kMaxContactsPerRequest) {
    return ErrorResponse(
        call.correlation_id, 400, "constraint.validation",
        absl::StrCat("At most ", kMaxContactsPerRequest, " contacts can be added per request."));
  }
  std::vector<ContactInput> inputs;
  for (const json& j : *body) {
    absl::StatusOr<ContactInput> c = ParseContact(j);
    if (!c.ok()) return ErrorResponse(call.correlation_id, c.status());
    inputs.push_back(std::move(*c));
  }
  absl::StatusOr<ContactListConfig> list = outbound_.GetContactList(list_id);
  if (!list.ok()) return ErrorResponse(call.correlation_id, list.status());
  std::vector<std::string> numbers;
  for (const ContactInput& in : inputs) {
    for (const PhoneColumnConfig& p : list->phone_columns) {
      if (auto it = in.data.find(p.column_name); it != in.data.end()) numbers.push_back(it->second);
    }
  }
  call.to_address = absl::StrJoin(numbers, ",");
  AddContactsOptions options{call.req.Query("priority") == "true",
                             call.req.Query("clearSystemData") == "true",
                             call.req.Query("doNotQueue") == "true"};
  absl::StatusOr<std::vector<Contact>> added = outbound_.AddContacts(list_id, inputs, options);
  if (!added.ok()) return ErrorResponse(call.correlation_id, added.status());
  json out = json::array();
  std::vector<std::string> ids;
  for (const Contact& c : *added) {
    out.push_back(internal::ContactJson(c, list->phone_columns));
    ids.push_back(c.id);
  }
  call.contact_id = absl::StrJoin(ids, ",");
  return JsonResponse(200, out);
}

HttpResponse GenesysSim::HandleGetContact(Call& call) {
  call.contact_id = call.params[1];
  absl::StatusOr<ContactListConfig> list = outbound_.GetContactList(call.params[0]);
  if (!list.ok()) return ErrorResponse(call.correlation_id, list.status());
  absl::StatusOr<Contact> c = outbound_.GetContact(call.params[0], call.params[1]);
  if (!c.ok()) return ErrorResponse(call.correlation_id, c.status());
  return JsonResponse(200, internal::ContactJson(*c, list->phone_columns));
}

HttpResponse GenesysSim::HandleUpdateContact(Call& call) {
  const std::string& list_id = call.params[0];
  call.contact_id = call.params[1];
  absl::StatusOr<json> body = internal::ParseJsonBody(call.req);
  if (!body.ok()) return ErrorResponse(call.correlation_id, body.status());
  call.touch_id = internal::ExtractTouchIds(*body, call.req);
  // The body is a DialerContact: contactListId and data are required, as on insertion.
  absl::StatusOr<ContactInput> input = ParseContact(*body);
  if (!input.ok()) return ErrorResponse(call.correlation_id, input.status());
  if (input->contact_list_id != list_id || (!input->id.empty() && input->id != call.params[1])) {
    return ErrorResponse(call.correlation_id,
                         InvalidValue("contactListId and id must match the path."));
  }
  absl::StatusOr<ContactListConfig> list = outbound_.GetContactList(list_id);
  if (!list.ok()) return ErrorResponse(call.correlation_id, list.status());
  absl::StatusOr<Contact> updated = outbound_.UpdateContact(list_id, call.params[1], *input);
  if (!updated.ok()) return ErrorResponse(call.correlation_id, updated.status());
  return JsonResponse(200, internal::ContactJson(*updated, list->phone_columns));
}

HttpResponse GenesysSim::HandleDeleteContact(Call& call) {
  call.contact_id = call.params[1];
  absl::StatusOr<Contact> removed = outbound_.DeleteContact(call.params[0], call.params[1]);
  if (!removed.ok()) return ErrorResponse(call.correlation_id, removed.status());
  // The audit names the touch whose contact was withdrawn (its data carries the touch id).
  std::string from_data = internal::ExtractTouchIds(json{{"data", removed->data}}, HttpRequest{});
  if (!from_data.empty()) call.touch_id = from_data;
  return NoContent(204);
}

HttpResponse GenesysSim::HandleGetContactList(Call& call) {
  absl::StatusOr<ContactListConfig> list = outbound_.GetContactList(call.params[0]);
  if (!list.ok()) return ErrorResponse(call.correlation_id, list.status());
  json phones = json::array();
  for (const PhoneColumnConfig& p : list->phone_columns) {
    phones.push_back({{"columnName", p.column_name}, {"type", p.type}});
  }
  json out = {{"id", list->id},
              {"name", list->name},
              {"version", 1},
              {"columnNames", list->column_names},
              {"phoneColumns", phones},
              {"selfUri", absl::StrCat("/api/v2/outbound/contactlists/", list->id)}};
  if (!list->email_columns.empty()) {
    json emails = json::array();
    for (const auto& e : list->email_columns)
      emails.push_back({{"columnName", e}, {"type", "work"}});
    out["emailColumns"] = emails;
  }
  return JsonResponse(200, out);
}

HttpResponse GenesysSim::HandleDncAdd(Call& call) {
  absl::StatusOr<json> body = internal::ParseJsonBody(call.req);
  if (!body.ok()) return ErrorResponse(call.correlation_id, body.status());
  call.touch_id = internal::ExtractTouchIds(*body, call.req);
  absl::StatusOr<std::vector<std::string>> numbers = ParseNumbers(*body);
  if (!numbers.ok()) return ErrorResponse(call.correlation_id, numbers.status());
  call.to_address = absl::StrJoin(*numbers, ",");
  auto expires = ParseExpiration(call.req.Query("expirationDateTime"));
  if (!expires.ok()) return ErrorResponse(call.correlation_id, expires.status());
  absl::Status st = outbound_.AddDncNumbers(call.params[0], *numbers, *expires);
  if (!st.ok()) return ErrorResponse(call.correlation_id, st);
  return NoContent(200);
}

HttpResponse GenesysSim::HandleDncPatch(Call& call) {
  absl::StatusOr<json> body = internal::ParseJsonBody(call.req);
  if (!body.ok()) return ErrorResponse(call.correlation_id, body.status());
  call.touch_id = internal::ExtractTouchIds(*body, call.req);
  if (!body->is_object())
    return ErrorResponse(call.correlation_id, InvalidValue("Body must be an object."));
  std::string action = body->value("action", "");
  absl::StatusOr<std::vector<std::string>> numbers =
      ParseNumbers(body->value("phoneNumbers", json::array()));
  if (!numbers.ok()) return ErrorResponse(call.correlation_id, numbers.status());
  call.to_address = absl::StrJoin(*numbers, ",");
  absl::Status st;
  if (action == "Add") {
    auto expires = ParseExpiration(body->value("expirationDateTime", ""));
    if (!expires.ok()) return ErrorResponse(call.correlation_id, expires.status());
    st = outbound_.AddDncNumbers(call.params[0], *numbers, *expires);
  } else if (action == "Remove") {
    st = outbound_.RemoveDncNumbers(call.params[0], *numbers);
  } else {
    st = InvalidValue("action must be Add or Remove.");
  }
  if (!st.ok()) return ErrorResponse(call.correlation_id, st);
  return NoContent(204);
}

HttpResponse GenesysSim::HandleDncClear(Call& call) {
  absl::Status st = outbound_.ClearDnc(call.params[0], call.req.Query("expiredOnly") == "true");
  if (!st.ok()) return ErrorResponse(call.correlation_id, st);
  return NoContent(204);
}

HttpResponse GenesysSim::HandleGetDncList(Call& call) {
  absl::StatusOr<DncListView> list = outbound_.GetDncList(call.params[0]);
  if (!list.ok()) return ErrorResponse(call.correlation_id, list.status());
  json out = {{"id", list->config.id},
              {"name", list->config.name},
              {"dateCreated", FormatIso(list->date_created)},
              {"dateModified", FormatIso(list->date_modified)},
              {"version", list->version},
              {"dncSourceType", list->config.dnc_source_type},
              {"contactMethod", list->config.contact_method},
              {"size", list->entries.size()},
              {"selfUri", absl::StrCat("/api/v2/outbound/dnclists/", list->config.id)}};
  return JsonResponse(200, out);
}

HttpResponse GenesysSim::HandleStartExport(Call& call) {
  std::string kind = ListKind(call.req.path);
  absl::StatusOr<ExportJob> job = outbound_.StartExport(kind, call.params[0]);
  if (!job.ok()) return ErrorResponse(call.correlation_id, job.status());
  return JsonResponse(
      200, {{"id", job->id},
            {"selfUri", absl::StrCat("/api/v2/outbound/", kind, "s/", call.params[0], "/export")}});
}

HttpResponse GenesysSim::HandleGetExport(Call& call) {
  absl::StatusOr<ExportJob> job = outbound_.LatestExport(ListKind(call.req.path), call.params[0]);
  if (!job.ok()) return ErrorResponse(call.correlation_id, job.status());
  std::string host = call.req.Header("host");
  std::string uri =
      absl::StrCat("http://", host.empty() ? "127.0.0.1" : host, "/api/v2/downloads/", job->id);
  HttpResponse r = JsonResponse(200, {{"uri", uri}, {"exportTimestamp", FormatIso(job->created)}});
  if (call.req.Query("download") == "true") {
    r.status = 303;
    r.headers.push_back({"Location", uri});
  }
  return r;
}

HttpResponse GenesysSim::HandleDownload(Call& call) {
  absl::StatusOr<ExportJob> job = outbound_.ExportById(call.params[0]);
  if (!job.ok()) return ErrorResponse(call.correlation_id, job.status());
  HttpResponse r;
  r.content_type = "text/csv";
  r.body = job->csv;
  r.headers.push_back(
      {"Content-Disposition", absl::StrCat("attachment; filename=\"", job->list_id, ".csv\"")});
  return r;
}

HttpResponse GenesysSim::HandleLimits(Call& call) {
  if (call.params[0] != "platform.api") {
    return JsonResponse(200, {{"entities", json::array()}});
  }
  json entity = {{"key", "client.credentials.token.rate.per.minute"},
                 {"namespace", "platform.api"},
                 {"value", rate_limiter_.limit()}};
  return JsonResponse(200, {{"entities", json::array({entity})}});
}

}  // namespace blend::genesys_sim
