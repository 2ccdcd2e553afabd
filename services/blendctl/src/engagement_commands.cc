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
#include "blend/common/channel.h"
#include "file_util.h"

namespace blend::blendctl {
namespace {

using json = nlohmann::json;

// One RFC 4180 record (quoted fields may hold commas, doubled quotes and newlines). Hand-written:
// Debian ships no C++ CSV library, and the format needs only this much. False at end of input.
bool NextRecord(std::istream& in, std::vector<std::string>& fields, int64_t& line) {
  fields.clear();
  if (in.peek() == std::char_traits<char>::eof()) return false;
  std::string field;
  bool quoted = false;
  for (int c; (c = in.get()) != std::char_traits<char>::eof();) {
    if (quoted) {
      if (c == '"' && in.peek() == '"') {
        field += static_cast<char>(in.get());
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += static_cast<char>(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      ++line;
      break;
    } else if (c != '\r') {
      field += static_cast<char>(c);
    }
  }
  fields.push_back(std::move(field));
  return true;
}

std::optional<bool> ParseBool(std::string v) {
  v = absl::AsciiStrToLower(absl::StripAsciiWhitespace(v));
  if (v.empty() || v == "false" || v == "0" || v == "no" || v == "n") return false;
  if (v == "true" || v == "1" || v == "yes" || v == "y") return true;
  return std::nullopt;
}

blend::v1::Channel ToProtoChannel(Channel c) {
  switch (c) {
    case Channel::kSms: return blend::v1::CHANNEL_SMS;
    case Channel::kVoice: return blend::v1::CHANNEL_VOICE;
    case Channel::kEmail: return blend::v1::CHANNEL_EMAIL;
  }
  return blend::v1::CHANNEL_UNSPECIFIED;
}

// Builds a request from one record; the reason when the record is unusable.
std::string ToRequest(const std::map<std::string, size_t>& cols,
                      const std::vector<std::string>& f, int64_t line,
                      blend::v1::ImportInteractionRequest& r) {
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
  r.mutable_occurred_at()->set_nanos(
      static_cast<int32_t>((at - absl::FromUnixSeconds(absl::ToUnixSeconds(at))) /
                           absl::Nanoseconds(1)));
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

void AddToken(grpc::ClientContext& ctx, const std::string& token) {
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
}

struct ConnectionFlags {
  std::string addr = "127.0.0.1:7400";
  std::string token;
  std::string tls_ca_file;
};

void AddConnectionFlags(CLI::App* cmd, ConnectionFlags& flags) {
  cmd->add_option("--addr", flags.addr, "orchestrator gRPC address")
      ->envname("BLEND_ORCHESTRATOR_ADDR")
      ->capture_default_str();
  cmd->add_option("--token", flags.token, "API token (sent as a Bearer token)")
      ->envname("BLEND_API_TOKEN");
  cmd->add_option("--tls-ca-file", flags.tls_ca_file, "PEM CA of the server (enables TLS)")
      ->envname("BLEND_TLS_CA_FILE");
}

std::unique_ptr<blend::v1::EngagementService::Stub> Connect(const ConnectionFlags& flags,
                                                             std::ostream& err) {
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  if (!flags.tls_ca_file.empty()) {
    std::optional<std::string> ca = ReadWholeFile(flags.tls_ca_file);
    if (!ca) {
      err << "cannot read " << flags.tls_ca_file << "\n";
      return nullptr;
    }
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = *ca;
    creds = grpc::SslCredentials(o);
  }
  return blend::v1::EngagementService::NewStub(grpc::CreateChannel(flags.addr, creds));
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
    const std::function<void(int64_t line, const std::string& reason)>& bad) {
  std::vector<std::string> fields;
  int64_t line = 1;
  if (!NextRecord(in, fields, line)) return absl::InvalidArgumentError("empty file: no header");
  // Export tools name the columns differently: accept the common spellings.
  static const std::map<std::string, std::string> kAliases = {
      {"customer", "customer_id"}, {"customerid", "customer_id"}, {"time", "occurred_at"},
      {"timestamp", "occurred_at"}, {"occurredat", "occurred_at"}, {"result", "outcome"},
      {"conversion", "converted"}, {"rowkey", "row_key"}, {"id", "row_key"},
      {"campaign", "campaign_id"}, {"timezone", "time_zone"}};
  std::map<std::string, size_t> cols;
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(fields[i]));
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
  for (int64_t start = line; NextRecord(in, fields, line); start = line) {
    if (fields.size() == 1 && absl::StripAsciiWhitespace(fields[0]).empty()) continue;
    blend::v1::ImportInteractionRequest r;
    const std::string why = ToRequest(cols, fields, start, r);
    if (!why.empty()) {
      bad(start, why);
      continue;
    }
    if (!row(std::move(r))) break;
  }
  return absl::OkStatus();
}

int RunEngagementImport(const ImportOptions& options,
                        blend::v1::EngagementService::StubInterface& stub, std::ostream& out,
                        std::ostream& err) {
  std::ifstream file(options.csv_path, std::ios::binary);
  if (!file) {
    err << "cannot read " << options.csv_path << "\n";
    return 2;
  }
  grpc::ClientContext ctx;
  AddToken(ctx, options.token);
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
      });
  if (!read.ok()) {
    ctx.TryCancel();
    (void)writer->Finish();
    err << options.csv_path << ": " << read.message() << "\n";
    return 2;
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (!s.ok()) {
    err << "import failed after " << sent << " rows: " << s.error_message() << "\n";
    return 2;
  }
  for (const auto& e : resp.errors()) {
    err << options.csv_path << ":" << e.row() << ": " << e.reason() << "\n";
  }
  const int64_t rejected = resp.rejected() + local_bad;
  out << absl::StrFormat("imported %s: %d rows sent, %d applied, %d already imported, %d rejected (%.1f s)\n",
                         options.csv_path, sent, resp.applied(), resp.duplicates(), rejected,
                         absl::ToDoubleSeconds(absl::Now() - t0));
  return rejected > 0 ? 1 : 0;
}

std::string FormatEngagement(const blend::v1::Engagement& e) {
  const json f = json::parse(e.facts_json(), nullptr, false);
  if (!f.is_object()) return "unreadable engagement facts\n";
  std::string s = absl::StrFormat("customer %s (local time zone %s)\n", e.customer_id(),
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

int RunCustomerEngagement(const std::string& customer_id, bool as_json, const std::string& token,
                          blend::v1::EngagementService::StubInterface& stub, std::ostream& out,
                          std::ostream& err) {
  grpc::ClientContext ctx;
  AddToken(ctx, token);
  blend::v1::GetEngagementRequest req;
  req.set_customer_id(customer_id);
  blend::v1::Engagement e;
  grpc::Status s = stub.GetEngagement(&ctx, req, &e);
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
    err << s.error_message() << "\n";
    return 1;
  }
  if (!s.ok()) {
    err << "GetEngagement failed: " << s.error_message() << "\n";
    return 2;
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
  return 0;
}

void AddEngagementCommands(CLI::App& app, std::ostream& out, std::ostream& err, int& exit_code) {
  auto conn = std::make_shared<ConnectionFlags>();
  auto import = std::make_shared<ImportOptions>();
  CLI::App* eng = app.add_subcommand("engagement", "Engagement history of customers");
  eng->require_subcommand(1);
  CLI::App* imp = eng->add_subcommand(
      "import", "Load past interactions (CRM / Genesys export CSV) into engagement profiles");
  imp->add_option("--csv", import->csv_path, "CSV file (header: customer_id, channel, "
                  "occurred_at, outcome[, row_key, converted, campaign_id, time_zone])")
      ->required();
  imp->add_option("--progress-every", import->progress_every, "rows between progress lines")
      ->capture_default_str();
  AddConnectionFlags(imp, *conn);
  imp->callback([conn, import, &out, &err, &exit_code] {
    auto stub = Connect(*conn, err);
    if (!stub) {
      exit_code = 2;
      return;
    }
    import->token = conn->token;
    exit_code = RunEngagementImport(*import, *stub, out, err);
  });

  auto customer_id = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  CLI::App* customer = app.add_subcommand("customer", "Customers");
  customer->require_subcommand(1);
  CLI::App* show = customer->add_subcommand("engagement", "Print a customer's engagement profile");
  show->add_option("ID", *customer_id, "customer id")->required();
  show->add_flag("--json", *as_json, "print the stored profile and the facts as JSON");
  AddConnectionFlags(show, *conn);
  show->callback([conn, customer_id, as_json, &out, &err, &exit_code] {
    auto stub = Connect(*conn, err);
    if (!stub) {
      exit_code = 2;
      return;
    }
    exit_code = RunCustomerEngagement(*customer_id, *as_json, conn->token, *stub, out, err);
  });
}

}  // namespace blend::blendctl
