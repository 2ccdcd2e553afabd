#include "blend/blendctl/consent_commands.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "blend/blendctl/csv_reader.h"
#include "blend/blendctl/exit_codes.h"
#include "blend/blendctl/request_size.h"
#include "blend/blendctl/table_printer.h"
#include "output.h"

namespace blend::blendctl {
namespace {

std::string Norm(std::string text) {
  std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  for (char& c : s) {
    if (c == '-' || c == ' ') c = '_';
  }
  return s;
}

// RFC 3339 -> Timestamp; false when unparsable.
bool ParseTimestamp(const std::string& text, google::protobuf::Timestamp& out) {
  absl::Time t;
  std::string why;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &why)) return false;
  out.set_seconds(absl::ToUnixSeconds(t));
  out.set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(absl::ToUnixSeconds(t))) /
                                     absl::Nanoseconds(1)));
  return true;
}

}  // namespace

std::optional<blend::v1::SuppressionChannel> ParseSuppressionChannel(const std::string& text) {
  const std::string n = Norm(text);
  if (n == "sms") return blend::v1::SUPPRESSION_CHANNEL_SMS;
  if (n == "voice") return blend::v1::SUPPRESSION_CHANNEL_VOICE;
  if (n == "email") return blend::v1::SUPPRESSION_CHANNEL_EMAIL;
  if (n == "all") return blend::v1::SUPPRESSION_CHANNEL_ALL;
  return std::nullopt;
}

std::optional<blend::v1::SuppressionReason> ParseSuppressionReason(const std::string& text) {
  std::string n = Norm(text);
  if (n == "opt_out" || n == "optout") return blend::v1::SUPPRESSION_REASON_OPT_OUT;
  if (n == "dnc") return blend::v1::SUPPRESSION_REASON_DNC;
  if (n == "legal_hold") return blend::v1::SUPPRESSION_REASON_LEGAL_HOLD;
  if (n == "bankruptcy") return blend::v1::SUPPRESSION_REASON_BANKRUPTCY;
  if (n == "deceased") return blend::v1::SUPPRESSION_REASON_DECEASED;
  if (n == "crm") return blend::v1::SUPPRESSION_REASON_CRM;
  return std::nullopt;
}

std::string SuppressionChannelName(blend::v1::SuppressionChannel c) {
  switch (c) {
    case blend::v1::SUPPRESSION_CHANNEL_SMS:
      return "sms";
    case blend::v1::SUPPRESSION_CHANNEL_VOICE:
      return "voice";
    case blend::v1::SUPPRESSION_CHANNEL_EMAIL:
      return "email";
    case blend::v1::SUPPRESSION_CHANNEL_ALL:
      return "all";
    default:
      return "?";
  }
}

std::string SuppressionReasonName(blend::v1::SuppressionReason r) {
  switch (r) {
    case blend::v1::SUPPRESSION_REASON_OPT_OUT:
      return "opt_out";
    case blend::v1::SUPPRESSION_REASON_DNC:
      return "dnc";
    case blend::v1::SUPPRESSION_REASON_LEGAL_HOLD:
      return "legal_hold";
    case blend::v1::SUPPRESSION_REASON_BANKRUPTCY:
      return "bankruptcy";
    case blend::v1::SUPPRESSION_REASON_DECEASED:
      return "deceased";
    case blend::v1::SUPPRESSION_REASON_CRM:
      return "crm";
    default:
      return "?";
  }
}

absl::Status ReadSuppressionsCsv(
    std::istream& in, const ConsentImportDefaults& defaults, const CsvLimits& limits,
    int64_t max_message_bytes,
    const std::function<bool(blend::v1::ImportSuppressionRequest&&)>& row,
    const std::function<void(int64_t line, const std::string& reason)>& bad) {
  CsvReader reader(in, limits);
  std::optional<CsvRecord> header = reader.Next();
  if (!header) return absl::InvalidArgumentError("empty file: no header");
  if (!header->error.empty()) return absl::InvalidArgumentError("header: " + header->error);
  // CRM and DNC-list exports name the columns differently: accept the common spellings.
  static const std::map<std::string, std::string> kAliases = {
      {"customer", "customer_id"}, {"customerid", "customer_id"}, {"phone", "address"},
      {"number", "address"},       {"email", "address"},          {"phone_number", "address"},
      {"phonenumber", "address"},  {"expires", "expires_at"},     {"expiry", "expires_at"},
      {"expiresat", "expires_at"}};
  std::map<std::string, size_t> cols;
  for (size_t i = 0; i < header->fields.size(); ++i) {
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(header->fields[i]));
    for (char& c : name) {
      if (c == ' ' || c == '-') c = '_';  // "Phone Number", "customer-id"
    }
    if (auto a = kAliases.find(name); a != kAliases.end()) name = a->second;
    cols[name] = i;
  }
  if (!cols.contains("customer_id") && !cols.contains("address")) {
    return absl::InvalidArgumentError(
        "header lacks both customer_id and address (columns: customer_id and/or address, and "
        "optionally channel, reason, expires_at, note)");
  }
  reader.ExpectFieldCount(header->fields.size());  // a stray quote joining lines is caught
  while (std::optional<CsvRecord> rec = reader.Next()) {
    if (!rec->error.empty()) {
      bad(rec->line, rec->error);
      continue;
    }
    auto get = [&](const char* name) -> std::string {
      auto it = cols.find(name);
      if (it == cols.end() || it->second >= rec->fields.size()) return "";
      return std::string(absl::StripAsciiWhitespace(rec->fields[it->second]));
    };
    blend::v1::ImportSuppressionRequest r;
    r.set_row(rec->line);
    blend::v1::Suppression& s = *r.mutable_suppression();
    s.set_customer_id(get("customer_id"));
    s.set_address(get("address"));
    if (s.customer_id().empty() && s.address().empty()) {
      bad(rec->line, "neither customer_id nor address");
      continue;
    }
    const std::string channel = get("channel").empty() ? defaults.channel : get("channel");
    auto ch = ParseSuppressionChannel(channel);
    if (!ch) {
      bad(rec->line, absl::StrCat("channel '", channel, "' is not sms, voice, email or all"));
      continue;
    }
    s.set_channel(*ch);
    const std::string reason = get("reason").empty() ? defaults.reason : get("reason");
    auto why = ParseSuppressionReason(reason);
    if (!why) {
      bad(rec->line, absl::StrCat("reason '", reason,
                                  "' is not opt_out, dnc, legal_hold, "
                                  "bankruptcy, deceased or crm"));
      continue;
    }
    s.set_reason(*why);
    if (!get("expires_at").empty() && !ParseTimestamp(get("expires_at"), *s.mutable_expires_at())) {
      bad(rec->line, absl::StrCat("expires_at '", get("expires_at"), "' is not RFC 3339"));
      continue;
    }
    s.set_note(get("note"));
    s.set_source(defaults.source);
    if (absl::Status size = CheckRequestSize(r, max_message_bytes); !size.ok()) {
      bad(rec->line, std::string(size.message()));
      continue;
    }
    if (!row(std::move(r))) break;
  }
  return absl::OkStatus();
}

int RunConsentImport(const ConsentImportOptions& options,
                     blend::v1::ConsentService::StubInterface& stub, grpc::ClientContext& ctx,
                     std::ostream& out, std::ostream& err) {
  std::ifstream file(options.csv_path, std::ios::binary);
  if (!file) {
    err << "blendctl: cannot read " << options.csv_path << "\n";
    return kExitUsage;
  }
  ConsentImportDefaults defaults = options.defaults;
  if (defaults.source.empty()) {
    defaults.source =
        absl::StrCat("import:", std::filesystem::path(options.csv_path).filename().string());
  }
  auto stream = stub.ImportSuppressions(&ctx);
  const absl::Time t0 = absl::Now();
  std::mutex mu;  // `err` is written by both threads
  int64_t sent = 0, local_bad = 0;
  int64_t accepted = 0, duplicates = 0, rejected = 0;
  // The server answers while rows still stream in: read its answers on their own thread, or a
  // large file fills both directions' flow-control windows and stalls.
  std::thread answers([&] {
    blend::v1::ImportSuppressionResult result;
    while (stream->Read(&result)) {
      std::lock_guard<std::mutex> lock(mu);
      if (!result.accepted()) {
        ++rejected;
        err << options.csv_path << ":" << result.row() << ": " << result.reason() << "\n";
      } else if (result.duplicate()) {
        ++duplicates;
      } else {
        ++accepted;
      }
    }
  });
  absl::Status read = ReadSuppressionsCsv(
      file, defaults, options.csv_limits, options.max_message_bytes,
      [&](blend::v1::ImportSuppressionRequest&& r) {
        if (!stream->Write(r)) return false;  // the server ended the call: Finish says why
        if (++sent % options.progress_every == 0) {
          const double secs = std::max(1e-3, absl::ToDoubleSeconds(absl::Now() - t0));
          std::lock_guard<std::mutex> lock(mu);
          err << absl::StrFormat("sent %d rows (%.0f rows/s), %d recorded so far\n", sent,
                                 sent / secs, accepted + duplicates);
        }
        return true;
      },
      [&](int64_t line, const std::string& reason) {
        std::lock_guard<std::mutex> lock(mu);
        ++local_bad;
        err << options.csv_path << ":" << line << ": " << reason << "\n";
      });
  if (!read.ok()) {
    ctx.TryCancel();
    answers.join();
    (void)stream->Finish();
    err << options.csv_path << ": " << read.message() << "\n";
    return kExitUsage;
  }
  stream->WritesDone();
  answers.join();
  grpc::Status s = stream->Finish();
  if (!s.ok()) {
    err << "blendctl: " << StatusCodeName(s.error_code()) << ": import failed after " << sent
        << " rows: " << s.error_message() << "\n";
    return ExitCodeFor(s.error_code());
  }
  const int64_t all_rejected = rejected + local_bad;
  out << absl::StrFormat(
      "imported %s: %d rows sent, %d recorded, %d already recorded, %d rejected (%.1f s)\n",
      options.csv_path, sent, accepted, duplicates, all_rejected,
      absl::ToDoubleSeconds(absl::Now() - t0));
  return all_rejected > 0 ? kExitInvalid : kExitOk;
}

std::string FormatSuppressions(
    const google::protobuf::RepeatedPtrField<blend::v1::Suppression>& rows) {
  Table t(
      {"ID", "CUSTOMER", "ADDRESS", "CHANNEL", "REASON", "SOURCE", "RECORDED", "EXPIRES", "NOTE"});
  for (const auto& s : rows) {
    t.AddRow({s.suppression_id(), s.customer_id().empty() ? "-" : s.customer_id(),
              s.address().empty() ? "-" : s.address(), SuppressionChannelName(s.channel()),
              SuppressionReasonName(s.reason()), Truncate(s.source(), 40),
              FormatTimestamp(s.recorded_at()),
              s.has_expires_at() ? FormatTimestamp(s.expires_at()) : "never",
              Truncate(s.note(), 40)});
  }
  return t.Render();
}

namespace {

struct PutFlags {
  std::string customer_id, address, channel, reason, source = "blendctl", expires_at, note;
};
struct ListFlags {
  std::string customer_id, address, channel, reason, page_token;
  bool include_expired = false;
  int page_size = 0;
};

int Usage(const OnlineContext& x, const std::string& message) {
  *x.err << "blendctl: " << message << "\n";
  return kExitUsage;
}

int RunPut(const PutFlags& f, GrpcConnection& c, OnlineContext& x) {
  blend::v1::PutSuppressionRequest req;
  blend::v1::Suppression& s = *req.mutable_suppression();
  if (f.customer_id.empty() && f.address.empty())
    return Usage(x, "--customer or --address is required");
  s.set_customer_id(f.customer_id);
  s.set_address(f.address);
  auto ch = ParseSuppressionChannel(f.channel);
  if (!ch) return Usage(x, "--channel is sms, voice, email or all");
  s.set_channel(*ch);
  auto why = ParseSuppressionReason(f.reason);
  if (!why) return Usage(x, "--reason is opt_out, dnc, legal_hold, bankruptcy, deceased or crm");
  s.set_reason(*why);
  s.set_source(f.source);
  s.set_note(f.note);
  if (!f.expires_at.empty() && !ParseTimestamp(f.expires_at, *s.mutable_expires_at())) {
    return Usage(x, "--expires-at is RFC 3339 (2027-01-31T00:00:00Z)");
  }
  blend::v1::PutSuppressionResponse resp;
  grpc::Status st = c.consent().PutSuppression(c.NewContext().get(), req, &resp);
  if (!st.ok()) return ReportRpcError(x, st);
  if (x.json) {
    PrintJson(x, ProtoToJson(resp));
  } else {
    *x.out << (resp.created() ? "recorded " : "already recorded, updated ")
           << resp.suppression().suppression_id() << "\n";
  }
  return kExitOk;
}

int RunGet(const std::string& customer_id, const std::string& address, GrpcConnection& c,
           OnlineContext& x) {
  if (customer_id.empty() && address.empty())
    return Usage(x, "--customer or --address is required");
  blend::v1::GetConsentRequest req;
  req.set_customer_id(customer_id);
  req.set_address(address);
  blend::v1::Consent resp;
  grpc::Status st = c.consent().GetConsent(c.NewContext().get(), req, &resp);
  if (!st.ok()) return ReportRpcError(x, st);
  if (x.json) {
    PrintJson(x, ProtoToJson(resp));
  } else if (resp.suppressions().empty()) {
    *x.out << "no suppression in force: Blend may contact them (within each campaign's "
              "policies)\n";
  } else {
    *x.out << FormatSuppressions(resp.suppressions());
  }
  return kExitOk;
}

int RunList(const ListFlags& f, GrpcConnection& c, OnlineContext& x) {
  blend::v1::ListSuppressionsRequest req;
  req.set_customer_id(f.customer_id);
  req.set_address(f.address);
  if (!f.channel.empty()) {
    auto ch = ParseSuppressionChannel(f.channel);
    if (!ch) return Usage(x, "--channel is sms, voice, email or all");
    req.set_channel(*ch);
  }
  if (!f.reason.empty()) {
    auto why = ParseSuppressionReason(f.reason);
    if (!why) return Usage(x, "--reason is opt_out, dnc, legal_hold, bankruptcy, deceased or crm");
    req.set_reason(*why);
  }
  req.set_include_expired(f.include_expired);
  req.set_page_size(f.page_size);
  req.set_page_token(f.page_token);
  blend::v1::ListSuppressionsResponse resp;
  grpc::Status st = c.consent().ListSuppressions(c.NewContext().get(), req, &resp);
  if (!st.ok()) return ReportRpcError(x, st);
  if (x.json) {
    PrintJson(x, ProtoToJson(resp));
    return kExitOk;
  }
  *x.out << FormatSuppressions(resp.suppressions());
  if (!resp.next_page_token().empty()) {
    *x.out << "more: --page-token " << resp.next_page_token() << "\n";
  }
  return kExitOk;
}

int RunRemove(const std::string& id, const std::string& why, GrpcConnection& c, OnlineContext& x) {
  blend::v1::RemoveSuppressionRequest req;
  req.set_suppression_id(id);
  req.set_reason(why);
  blend::v1::RemoveSuppressionResponse resp;
  grpc::Status st = c.consent().RemoveSuppression(c.NewContext().get(), req, &resp);
  if (!st.ok()) return ReportRpcError(x, st);
  if (x.json) {
    PrintJson(x, ProtoToJson(resp));
  } else {
    *x.out << "removed " << resp.removed().suppression_id() << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddConsentCommands(CLI::App& app, OnlineContext& context) {
  CLI::App* consent = app.add_subcommand(
      "consent", "The consent record: suppressions (opt-outs, DNC, legal holds, ...) per customer");
  consent->require_subcommand(1);

  auto put = std::make_shared<PutFlags>();
  CLI::App* p = consent->add_subcommand("put", "Record a suppression (idempotent)");
  p->add_option("--customer", put->customer_id, "customer id (every channel of every journey)");
  p->add_option("--address", put->address, "phone number (E.164 or national) or email address");
  p->add_option("--channel", put->channel, "sms, voice, email or all")->required();
  p->add_option("--reason", put->reason, "opt_out, dnc, legal_hold, bankruptcy, deceased or crm")
      ->required();
  p->add_option("--source", put->source, "which system or person records it")
      ->capture_default_str();
  p->add_option("--expires-at", put->expires_at, "RFC 3339; default: never expires");
  p->add_option("--note", put->note, "free text for people (no personal data)");
  p->callback([put, &context] {
    context.action = [put](GrpcConnection& c, OnlineContext& x) { return RunPut(*put, c, x); };
  });

  auto get_customer = std::make_shared<std::string>();
  auto get_address = std::make_shared<std::string>();
  CLI::App* g = consent->add_subcommand(
      "get", "Everything that suppresses a customer or an address now, and why");
  g->add_option("--customer", *get_customer, "customer id");
  g->add_option("--address", *get_address, "phone number or email address");
  g->callback([get_customer, get_address, &context] {
    context.action = [get_customer, get_address](GrpcConnection& c, OnlineContext& x) {
      return RunGet(*get_customer, *get_address, c, x);
    };
  });

  auto list = std::make_shared<ListFlags>();
  CLI::App* l = consent->add_subcommand("list", "Suppressions, newest first, one page");
  l->add_option("--customer", list->customer_id, "only this customer id");
  l->add_option("--address", list->address, "only this phone number or email address");
  l->add_option("--channel", list->channel, "only sms, voice, email or all");
  l->add_option("--reason", list->reason, "only this reason");
  l->add_flag("--include-expired", list->include_expired, "expired ones too");
  l->add_option("--page-size", list->page_size, "rows per page (default 100, at most 1000)");
  l->add_option("--page-token", list->page_token, "the token a previous page printed");
  l->callback([list, &context] {
    context.action = [list](GrpcConnection& c, OnlineContext& x) { return RunList(*list, c, x); };
  });

  auto remove_id = std::make_shared<std::string>();
  auto remove_why = std::make_shared<std::string>();
  CLI::App* r = consent->add_subcommand(
      "remove", "Remove a suppression (recorded with your token's name and --why)");
  r->add_option("ID", *remove_id, "suppression id (consent get / list)")->required();
  r->add_option("--why", *remove_why, "why it is removed (kept with the record)")->required();
  r->callback([remove_id, remove_why, &context] {
    context.action = [remove_id, remove_why](GrpcConnection& c, OnlineContext& x) {
      return RunRemove(*remove_id, *remove_why, c, x);
    };
  });

  auto import = std::make_shared<ConsentImportOptions>();
  CLI::App* i = consent->add_subcommand(
      "import", "Bulk-record suppressions from a CSV file (a CRM's DNC or opt-out export)");
  i->add_option("--csv", import->csv_path,
                "CSV file (header: customer_id and/or address, "
                "optionally channel, reason, expires_at, note)")
      ->required();
  i->add_option("--channel", import->defaults.channel, "channel of rows without one")
      ->capture_default_str();
  i->add_option("--reason", import->defaults.reason, "reason of rows without one")
      ->capture_default_str();
  i->add_option("--source", import->defaults.source,
                "source recorded with every row (default: import:<file name>)");
  i->add_option("--progress-every", import->progress_every, "rows between progress lines")
      ->capture_default_str();
  i->callback([import, &context] {
    context.action = [import](GrpcConnection& c, OnlineContext& x) {
      import->csv_limits = x.csv_limits;
      import->max_message_bytes = x.max_message_bytes;
      return RunConsentImport(*import, c.consent(), *c.NewContext(/*with_deadline=*/false), *x.out,
                              *x.err);
    };
  });
}

}  // namespace blend::blendctl
