#pragma once

// blendctl's consent subcommands, over the orchestrator's blend.v1.ConsentService (the global
// --addr / --token / --ca-file / --json flags of online_commands.h apply; the token needs
// scope "*"):
//   blendctl consent put    (--customer ID | --address A) --channel C --reason R [...]
//   blendctl consent get    [--customer ID] [--address A]   what suppresses them now, and why
//   blendctl consent list   [filters]                       newest first, paged
//   blendctl consent remove ID --why TEXT                   recorded with the caller's name
//   blendctl consent import --csv FILE [...]                a CRM's DNC / opt-out file
// The Run* functions are the testable core: they take the stub and a prepared ClientContext.

#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <string>

#include <grpcpp/grpcpp.h>
#include <CLI/CLI.hpp>

#include "absl/status/status.h"
#include "blend/blendctl/csv_reader.h"
#include "blend/blendctl/online_commands.h"
#include "blend/blendctl/request_size.h"
#include "blend/v1/consent_service.grpc.pb.h"

namespace blend::blendctl {

// "sms" | "voice" | "email" | "all" (any case); nullopt otherwise.
std::optional<blend::v1::SuppressionChannel> ParseSuppressionChannel(const std::string& text);
// "opt_out" | "dnc" | "legal_hold" | "bankruptcy" | "deceased" | "crm" (any case, '-' or ' ' for
// '_'); nullopt otherwise.
std::optional<blend::v1::SuppressionReason> ParseSuppressionReason(const std::string& text);
// "sms", "legal_hold", ... (the names the parsers accept).
std::string SuppressionChannelName(blend::v1::SuppressionChannel channel);
std::string SuppressionReasonName(blend::v1::SuppressionReason reason);

// Defaults for columns a file lacks, and the source recorded with every row.
struct ConsentImportDefaults {
  std::string channel = "all";
  std::string reason = "dnc";
  std::string source;  // "" -> "import:<file name>"
};

// CSV of suppressions. The header names the columns (any order, case-insensitive): at least
// one of customer_id and address (an E.164 or national phone number, or an email address; the
// server normalises and validates it) — each row needs one of them; optional channel, reason
// (else the defaults), expires_at (RFC 3339), note. Aliases: customer / customerId, phone /
// number / email / phone_number, expires / expiry. Calls `row` for each usable record (stop
// early by returning false) and `bad` for each unusable one (its first line and why): a
// malformed record, one over `limits` (csv_reader.h), or a request over `max_message_bytes`
// once serialised. InvalidArgument for a missing or unusable header.
absl::Status ReadSuppressionsCsv(
    std::istream& in, const ConsentImportDefaults& defaults, const CsvLimits& limits,
    int64_t max_message_bytes,
    const std::function<bool(blend::v1::ImportSuppressionRequest&&)>& row,
    const std::function<void(int64_t line, const std::string& reason)>& bad);

struct ConsentImportOptions {
  std::string csv_path;
  ConsentImportDefaults defaults;
  CsvLimits csv_limits;                                 // the global --csv-max-* flags
  int64_t max_message_bytes = kDefaultMaxMessageBytes;  // the global --max-message-bytes
  int64_t progress_every = 10000;                       // rows between progress lines on `err`
};
// Streams the rows while the server answers; prints progress and every rejected row
// ("FILE:LINE: reason") on `err`, a summary on `out`. kExitOk when every row was recorded (or
// already was), kExitInvalid when some were rejected, kExitUsage for an unreadable file, else
// ExitCodeFor the call's status. `ctx` should have no deadline (a long stream).
int RunConsentImport(const ConsentImportOptions& options,
                     blend::v1::ConsentService::StubInterface& stub, grpc::ClientContext& ctx,
                     std::ostream& out, std::ostream& err);

// Human-readable table of suppressions.
std::string FormatSuppressions(
    const google::protobuf::RepeatedPtrField<blend::v1::Suppression>& rows);

// put / get / list / remove / import.
void AddConsentCommands(CLI::App& app, OnlineContext& context);

}  // namespace blend::blendctl
