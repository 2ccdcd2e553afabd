#include "blend/blendctl/engagement_commands.h"

#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "blend/blendctl/csv_reader.h"
#include "blend/blendctl/exit_codes.h"
#include "blend/common/channel.h"

namespace blend::blendctl {
namespace {

using json = nlohmann::json;

std::optional<bool> ParseBool(std::string v) {
  v = absl::AsciiStrToLower(absl::StripAsciiWhitespace(v));
  if (v.empty() || v == "false" || v == "0" || v == "no" || v == "n") return false;
  if (v == "true" || v == "1" || v == "yes" || v == "y") return true;
  return std::nullopt;
}

blend::v1::Channel ToProtoChannel(Channel c) {
  switch (c) {
    case Channel::kSms:
      return blend::v1::CHANNEL_SMS;
    case Channel::kVoice:
      return blend::v1::CHANNEL_VOICE;
    case Channel::kEmail:
      return blend::v1::CHANNEL_EMAIL;
  }
  return blend::v1::CHANNEL_UNSPECIFIED;
}

// Builds a request from one record; the reason when the record is unusable.
std::string ToRequest(const std::map<std::string, size_t>& cols, const std::vector<std::string>& f,
                      int64_t line, blend::v1::ImportInteractionRequest& r) {
  auto get = [&](const char* name) -> std::string {
    auto it = cols.find(name);
    if (it == cols.end() || it->second >= f.size()) return "";
    return std::string(absl::StripAsciiWhitespace(f[it->second]));
  };
  r.set_row(line);
  r.set_customer_id(get("customer_id"));
  if (r.customer_id().empty()) return "customer_id is empty";
  std::optional<Channel> channel = ParseChannel(absl::AsciiStrToLower(get("channel")));
  if (!channel) return absl::StrCat("channel '", get("channel"), "' is not sms, voice or email");
  r.set_channel(ToProtoChannel(*channel));
  absl::Time at;
  std::string why;
  if (!absl::ParseTime(absl::RFC3339_full, get("occurred_at"), &at, &why)) {
    return absl::StrCat("occurred_at '", get("occurred_at"), "' is not RFC 3339");
  }
  r.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(at));
  r.mutable_occurred_at()->set_nanos(static_cast<int32_t>(
      (at - absl::FromUnixSeconds(absl::ToUnixSeconds(at))) / absl::Nanoseconds(1)));
  r.set_outcome(get("outcome"));
  if (r.outcome().empty()) return "outcome is empty";
  std::optional<bool> converted = ParseBool(get("converted"));
  if (!converted) return absl::StrCat("converted '", get("converted"), "' is not true/false");
  r.set_converted(*converted);
  r.set_campaign_id(get("campaign_id"));
  r.set_time_zone(get("time_zone"));
  r.set_row_key(get("row_key"));
  if (r.row_key().empty()) {
    r.set_row_key(absl::StrCat(r.customer_id(), "|", std::string(ChannelName(*channel)), "|",
                               get("occurred_at"), "|", absl::AsciiStrToLower(r.outcome())));
  }
  return "";
}

std::string Cell(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return absl::StrFormat("%.2f", v.get<double>());
  return v.dump();
}

}  // namespace

absl::Status ReadInteractionsCsv(
    std::istream& in, const std::function<bool(blend::v1::ImportInteractionRequest&&)>& row,
    const std::function<void(int64_t line, const std::string& reason)>& bad,
    const CsvLimits& limits, int64_t max_message_bytes) {
  CsvReader reader(in, limits);
  std::optional<CsvRecord> header = reader.Next();
  if (!header) return absl::InvalidArgumentError("empty file: no header");
  if (!header->error.empty()) return absl::InvalidArgumentError("header: " + header->error);
  // Export tools name the columns differently: accept the common spellings.
  static const std::map<std::string, std::string> kAliases = {
      {"customer", "customer_id"},  {"customerid", "customer_id"}, {"time", "occurred_at"},
      {"timestamp", "occurred_at"}, {"occurredat", "occurred_at"}, {"result", "outcome"},
      {"conversion", "converted"},  {"rowkey", "row_key"},         {"id", "row_key"},
      {"campaign", "campaign_id"},  {"timezone", "time_zone"}};
  std::map<std::string, size_t> cols;
  for (size_t i = 0; i < header->fields.size(); ++i) {
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(header->fields[i]));
    if (auto a = kAliases.find(name); a != kAliases.end()) name = a->second;
    cols[name] = i;
  }
  for (const char* required : {"customer_id", "channel", "occurred_at", "outcome"}) {
    if (!cols.contains(required)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "header lacks column ", required,
          " (columns: customer_id, channel, occurred_at, outcome, and optionally row_key, "
          "converted, campaign_id, time_zone)"));
    }
  }
  reader.ExpectFieldCount(header->fields.size());
  while (std::optional<CsvRecord> rec = reader.Next()) {
    if (!rec->error.empty()) {
      bad(rec->line, rec->error);
      continue;
    }
    blend::v1::ImportInteractionRequest r;
    const std::string why = ToRequest(cols, rec->fields, rec->line, r);
    if (!why.empty()) {
      bad(rec->line, why);
      continue;
    }
    if (absl::Status size = CheckRequestSize(r, max_message_bytes); !size.ok()) {
      bad(rec->line, std::string(size.message()));
      continue;
    }
    if (!row(std::move(r))) break;
  }
  return absl::OkStatus();
}

int RunEngagementImport(const ImportOptions& options,
                        blend::v1::EngagementService::StubInterface& stub, grpc::ClientContext& ctx,
                        std::ostream& out, std::ostream& err) {
  std::ifstream file(options.csv_path, std::ios::binary);
  if (!file) {
    err << "blendctl: cannot read " << options.csv_path << "\n";
    return kExitUsage;
  }
  blend::v1::ImportInteractionsResponse resp;
  auto writer = stub.ImportInteractions(&ctx, &resp);
  const absl::Time t0 = absl::Now();
  int64_t sent = 0, local_bad = 0;
  absl::Status read = ReadInteractionsCsv(
      file,
      [&](blend::v1::ImportInteractionRequest&& r) {
        if (!writer->Write(r)) return false;  // the server ended the call: Finish says why
        if (++sent % options.progress_every == 0) {
          const double secs = std::max(1e-3, absl::ToDoubleSeconds(absl::Now() - t0));
          err << absl::StrFormat("sent %d rows (%.0f rows/s)\n", sent, sent / secs);
        }
        return true;
      },
      [&](int64_t line, const std::string& reason) {
        if (++local_bad <= 100) err << options.csv_path << ":" << line << ": " << reason << "\n";
      },
      options.csv_limits, options.max_message_bytes);
  if (!read.ok()) {
    ctx.TryCancel();
    (void)writer->Finish();
    err << options.csv_path << ": " << read.message() << "\n";
    return kExitUsage;
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (!s.ok()) {
    err << "blendctl: " << StatusCodeName(s.error_code()) << ": import failed after " << sent
        << " rows: " << s.error_message() << "\n";
    return ExitCodeFor(s.error_code());
  }
  for (const auto& e : resp.errors()) {
    err << options.csv_path << ":" << e.row() << ": " << e.reason() << "\n";
  }
  const int64_t rejected = resp.rejected() + local_bad;
  out << absl::StrFormat(
      "imported %s: %d rows sent, %d applied, %d already imported, %d rejected (%.1f s)\n",
      options.csv_path, sent, resp.applied(), resp.duplicates(), rejected,
      absl::ToDoubleSeconds(absl::Now() - t0));
  return rejected > 0 ? kExitInvalid : kExitOk;
}

std::string FormatEngagement(const blend::v1::Engagement& e) {
  const json f = json::parse(e.facts_json(), nullptr, false);
  if (!f.is_object()) return "unreadable engagement facts\n";
  std::string s =
      absl::StrFormat("customer %s (local time zone %s)\n", e.customer_id(),
                      f.value("timeZone", "").empty() ? "UTC" : f["timeZone"].get<std::string>());
  absl::StrAppendFormat(&s, "%-8s %6s %6s %8s %8s %11s %6s  %s\n", "CHANNEL", "SENT", "FAILED",
                        "POSITIVE", "OPT-OUTS", "CONVERSIONS", "RATE", "LAST OUTCOME");
  for (Channel c : kAllChannels) {
    const json& cj = f[std::string(ChannelName(c))];
    std::string last = Cell(cj["lastOutcome"]);
    if (!cj["lastOutcomeAt"].is_null()) absl::StrAppend(&last, " at ", Cell(cj["lastOutcomeAt"]));
    absl::StrAppendFormat(&s, "%-8s %6s %6s %8s %8s %11s %6s  %s\n", std::string(ChannelName(c)),
                          Cell(cj["sent"]), Cell(cj["failed"]), Cell(cj["positive"]),
                          Cell(cj["optOuts"]), Cell(cj["conversions"]), Cell(cj["responseRate"]),
                          last);
  }
  absl::StrAppendFormat(&s, "conversions: %s (last %s)\n", Cell(f["conversions"]),
                        Cell(f["lastConversionAt"]));
  absl::StrAppendFormat(&s, "best channel: %s   best local hour: %s   best weekday: %s\n",
                        Cell(f["bestChannel"]), Cell(f["bestHourLocal"]), Cell(f["bestWeekday"]));
  return s;
}

int RunCustomerEngagement(const std::string& customer_id, bool as_json,
                          blend::v1::EngagementService::StubInterface& stub,
                          grpc::ClientContext& ctx, std::ostream& out, std::ostream& err) {
  blend::v1::GetEngagementRequest req;
  req.set_customer_id(customer_id);
  blend::v1::Engagement e;
  grpc::Status s = stub.GetEngagement(&ctx, req, &e);
  if (!s.ok()) {
    err << "blendctl: " << StatusCodeName(s.error_code()) << ": " << s.error_message() << "\n";
    return ExitCodeFor(s.error_code());
  }
  if (as_json) {
    out << json{{"customerId", e.customer_id()},
                {"profile", json::parse(e.profile_json(), nullptr, false)},
                {"facts", json::parse(e.facts_json(), nullptr, false)}}
               .dump(2)
        << "\n";
  } else {
    out << FormatEngagement(e);
  }
  return kExitOk;
}

void AddEngagementCommands(CLI::App& app, OnlineContext& context) {
  auto import = std::make_shared<ImportOptions>();
  CLI::App* eng = app.add_subcommand("engagement", "Engagement history of customers");
  eng->require_subcommand(1);
  CLI::App* imp = eng->add_subcommand(
      "import", "Load past interactions (CRM / Genesys export CSV) into engagement profiles");
  imp->add_option("--csv", import->csv_path,
                  "CSV file (header: customer_id, channel, "
                  "occurred_at, outcome[, row_key, converted, campaign_id, time_zone])")
      ->required();
  imp->add_option("--progress-every", import->progress_every, "rows between progress lines")
      ->capture_default_str();
  imp->callback([import, &context] {
    context.action = [import](GrpcConnection& c, OnlineContext& x) {
      import->csv_limits = x.csv_limits;
      import->max_message_bytes = x.max_message_bytes;
      return RunEngagementImport(*import, c.engagement(), *c.NewContext(/*with_deadline=*/false),
                                 *x.out, *x.err);
    };
  });

  auto customer_id = std::make_shared<std::string>();
  CLI::App* customer = app.add_subcommand("customer", "Customers");
  customer->require_subcommand(1);
  CLI::App* show = customer->add_subcommand(
      "engagement", "Print a customer's engagement profile (--json: stored profile and facts)");
  show->add_option("ID", *customer_id, "customer id")->required();
  show->callback([customer_id, &context] {
    context.action = [customer_id](GrpcConnection& c, OnlineContext& x) {
      return RunCustomerEngagement(*customer_id, x.json, c.engagement(), *c.NewContext(), *x.out,
                                   *x.err);
    };
  });
}

}  // namespace blend::blendctl
