#pragma once

// The online subcommands of blendctl, over the orchestrator's gRPC API
// (blend.v1.JourneyService): `campaign put|validate|get`, `journey
// start|get|history|list|cancel|start-many` and `event send`. Each Add*Commands function
// registers its subcommands; the one the user picked stores its work in `context.action`,
// and main calls RunOnline after parsing, so global flags may come before or after it.

#include <CLI/CLI.hpp>
#include <functional>
#include <ostream>
#include <string>

#include "blend/blendctl/csv_reader.h"
#include "blend/blendctl/grpc_connection.h"
#include "blend/blendctl/request_size.h"

namespace blend::blendctl {

struct OnlineContext {
  ConnectionOptions connection;
  bool json = false;           // --json: one JSON document on stdout, errors included
  bool stderr_is_tty = false;  // live progress bar (start-many) instead of periodic lines
  // Every CSV command (start-many, engagement import, ...): the reader's caps and the size a
  // row's request may have (--csv-max-field-bytes, --csv-max-record-bytes, --max-message-bytes).
  CsvLimits csv_limits;
  int64_t max_message_bytes = kDefaultMaxMessageBytes;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // Set by the chosen subcommand; returns the exit code (exit_codes.h).
  std::function<int(GrpcConnection&, OnlineContext&)> action;
};

// --addr, --token, --timeout, --ca-file, --json, --csv-max-field-bytes, --csv-max-record-bytes,
// --max-message-bytes on `app`, with their environment variables.
void AddGlobalFlags(CLI::App& app, OnlineContext& context);

void AddCampaignCommands(CLI::App& app, OnlineContext& context);
void AddJourneyCommands(CLI::App& app, OnlineContext& context);
void AddEventCommands(CLI::App& app, OnlineContext& context);

// Connects and runs context.action. kExitUsage when the connection options are unusable.
int RunOnline(OnlineContext& context);

}  // namespace blend::blendctl
