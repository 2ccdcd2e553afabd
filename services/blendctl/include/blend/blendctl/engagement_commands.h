#pragma once

// blendctl's engagement subcommands (online: they call the orchestrator's EngagementService):
//   blendctl engagement import --csv FILE   load past interactions, with progress on stderr
//   blendctl customer engagement ID [--json] print a customer's engagement profile
// Connection flags on both: --addr (BLEND_ORCHESTRATOR_ADDR, default 127.0.0.1:7400),
// --token (BLEND_API_TOKEN, sent as "authorization: Bearer"), --tls-ca-file (enables TLS).
// The Run* functions are the testable core; they take the stub, so tests use a real server.

#include <cstdint>
#include <functional>
#include <istream>
#include <ostream>
#include <string>

#include <CLI/CLI.hpp>

#include "absl/status/status.h"
#include "blend/v1/engagement_service.grpc.pb.h"

namespace blend::blendctl {

// CSV of interactions. The header names the columns (any order, case-insensitive):
// customer_id, channel (sms|voice|email), occurred_at (RFC 3339), outcome (see
// ImportInteractionRequest) — required; row_key, converted (true/false/1/0/yes/no),
// campaign_id, time_zone — optional. Aliases: customer / customerId, time / timestamp,
// result, conversion, id / rowKey, campaign, timeZone. Without row_key the key is
// "customer_id|channel|occurred_at|outcome", so re-importing the same file changes nothing.
// Calls `row` for each valid line (stop early by returning false) and `bad` for each invalid
// one (line number counted from 1 = header). InvalidArgument for a missing/unusable header.
absl::Status ReadInteractionsCsv(
    std::istream& in,
    const std::function<bool(blend::v1::ImportInteractionRequest&&)>& row,
    const std::function<void(int64_t line, const std::string& reason)>& bad);

struct ImportOptions {
  std::string csv_path;
  std::string token;
  int64_t progress_every = 10000;  // rows between progress lines on `err`
};
// 0 when every row was applied or already present, 1 when some rows were rejected (locally
// or by the server), 2 when the file is unreadable or the call failed.
int RunEngagementImport(const ImportOptions& options,
                        blend::v1::EngagementService::StubInterface& stub, std::ostream& out,
                        std::ostream& err);

// 0 printed, 1 no history for that customer, 2 the call failed.
int RunCustomerEngagement(const std::string& customer_id, bool json, const std::string& token,
                          blend::v1::EngagementService::StubInterface& stub, std::ostream& out,
                          std::ostream& err);

// Human-readable table of an Engagement (the facts object).
std::string FormatEngagement(const blend::v1::Engagement& engagement);

void AddEngagementCommands(CLI::App& app, std::ostream& out, std::ostream& err, int& exit_code);

}  // namespace blend::blendctl
