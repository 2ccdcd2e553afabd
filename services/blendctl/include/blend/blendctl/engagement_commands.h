#pragma once

// blendctl's engagement subcommands, over the orchestrator's blend.v1.EngagementService (the
// global --addr / --token / --ca-file / --json flags of online_commands.h apply):
//   blendctl engagement import --csv FILE   load past interactions, progress on stderr
//   blendctl customer engagement ID          print a customer's engagement profile
// The Run* functions are the testable core: they take the stub and a prepared ClientContext.

#include <cstdint>
#include <functional>
#include <istream>
#include <ostream>
#include <string>

#include <grpcpp/grpcpp.h>
#include <CLI/CLI.hpp>

#include "absl/status/status.h"
#include "blend/blendctl/csv_reader.h"
#include "blend/blendctl/online_commands.h"
#include "blend/blendctl/request_size.h"
#include "blend/v1/engagement_service.grpc.pb.h"

namespace blend::blendctl {

// CSV of interactions. The header names the columns (any order, case-insensitive):
// customer_id, channel (sms|voice|email), occurred_at (RFC 3339), outcome (see
// ImportInteractionRequest) — required; row_key, converted (true/false/1/0/yes/no),
// campaign_id, time_zone — optional. Aliases: customer / customerId, time / timestamp,
// result, conversion, id / rowKey, campaign, timeZone. Without row_key the key is
// "customer_id|channel|occurred_at|outcome", so re-importing the same file changes nothing.
// Calls `row` for each valid record (stop early by returning false) and `bad` for each
// invalid one (its first line): malformed or over `limits` (csv_reader.h), or a request over
// `max_message_bytes` once serialised. InvalidArgument for a missing or unusable header.
absl::Status ReadInteractionsCsv(
    std::istream& in, const std::function<bool(blend::v1::ImportInteractionRequest&&)>& row,
    const std::function<void(int64_t line, const std::string& reason)>& bad,
    const CsvLimits& limits = {}, int64_t max_message_bytes = kDefaultMaxMessageBytes);

struct ImportOptions {
  std::string csv_path;
  int64_t progress_every = 10000;                       // rows between progress lines on `err`
  CsvLimits csv_limits;                                 // the global --csv-max-* flags
  int64_t max_message_bytes = kDefaultMaxMessageBytes;  // the global --max-message-bytes
};
// kExitOk when every row was applied or already present, kExitInvalid when some were
// rejected (locally or by the server), kExitUsage for an unreadable file, else ExitCodeFor
// the call's status. `ctx` should have no deadline (a long stream).
int RunEngagementImport(const ImportOptions& options,
                        blend::v1::EngagementService::StubInterface& stub, grpc::ClientContext& ctx,
                        std::ostream& out, std::ostream& err);

// kExitOk printed, kExitNotFound when the customer has no history, else ExitCodeFor.
int RunCustomerEngagement(const std::string& customer_id, bool json,
                          blend::v1::EngagementService::StubInterface& stub,
                          grpc::ClientContext& ctx, std::ostream& out, std::ostream& err);

// Human-readable table of an Engagement (the facts object).
std::string FormatEngagement(const blend::v1::Engagement& engagement);

// `engagement import` and `customer engagement`.
void AddEngagementCommands(CLI::App& app, OnlineContext& context);

}  // namespace blend::blendctl
